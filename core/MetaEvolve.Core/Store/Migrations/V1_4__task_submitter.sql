-- Tenancy within a namespace: a task records the gateway API key that submitted it, so reading, cancelling and
-- retrying another key's task can be refused; a conversation thread belongs to the key that started it.
ALTER TABLE ${schema}.tasks ADD COLUMN submitted_by text NULL;

-- The per-namespace limit on queued tasks counts through this index (only queued rows are in it).
CREATE INDEX tasks_queued_by_namespace ON ${schema}.tasks (namespace) WHERE status = 'queued';

CREATE TABLE ${schema}.thread_owners (
    namespace  text        NOT NULL,
    thread_id  text        NOT NULL,
    owner      text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, thread_id)
);
