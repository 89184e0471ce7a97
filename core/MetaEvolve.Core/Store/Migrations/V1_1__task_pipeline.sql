-- What the task pipeline adds to the store schema of V1.

-- Dead-lettered tasks (out of attempts), for `metaevolve tasks list --dead-lettered` and the retry API.
-- Partial: dead letters are rare, so the index stays tiny.
CREATE INDEX tasks_dead_lettered ON ${schema}.tasks (namespace, finished_at) WHERE dead_lettered;

CREATE VIEW ${schema}.dead_lettered_tasks AS
    SELECT id, created_at, namespace, pool, agent, error, attempts, finished_at
    FROM ${schema}.tasks
    WHERE dead_lettered;
