-- A person's approval before a sensitive tool runs (Agent spec.requireApproval). A task whose model calls a guarded
-- function parks: status awaiting_approval, its message acked and its worker's slot free. The row holds all a worker
-- needs to resume it, so any worker can: the conversation so far with the pending call, and the approval record.

-- The check constraint of V1 is on the parent and, for days created LIKE the parent before they were attached, on
-- each day as a local copy: drop both kinds, then add the new one to the parent, which adds it to every day.
ALTER TABLE ${schema}.tasks DROP CONSTRAINT tasks_status_check;
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT c.conrelid::regclass AS rel FROM pg_constraint c
        JOIN pg_inherits i ON i.inhrelid = c.conrelid
        JOIN pg_class p ON p.oid = i.inhparent
        JOIN pg_namespace n ON n.oid = p.relnamespace
        WHERE n.nspname = '${schema}' AND p.relname = 'tasks' AND c.conname = 'tasks_status_check'
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT tasks_status_check', r.rel);
    END LOOP;
END
$$;
ALTER TABLE ${schema}.tasks ADD CONSTRAINT tasks_status_check
    CHECK (status IN ('queued', 'running', 'awaiting_approval', 'succeeded', 'failed', 'cancelled'));

-- {function, arguments, toolCallId, requestedAt, timeoutSeconds, decision, reason, decidedBy, decidedAt}: the call
-- that waits (or waited) and what a person decided. Kept after the task ends, as its record.
ALTER TABLE ${schema}.tasks ADD COLUMN approval jsonb NULL;
-- The parked chat (messages, the pending call's siblings, usage so far); cleared once the task ends.
ALTER TABLE ${schema}.tasks ADD COLUMN conversation jsonb NULL;
-- When the task parked: the wait is added to its deadline on resume, so waiting does not count against timeoutSeconds.
ALTER TABLE ${schema}.tasks ADD COLUMN parked_at timestamptz NULL;
-- parked_at + spec.approvalTimeoutSeconds: after it, the task fails instead of waiting on.
ALTER TABLE ${schema}.tasks ADD COLUMN approval_deadline timestamptz NULL;
-- How often the task was resumed: the resume's message id is <id>/resume/<n> (the bare id is a duplicate to JetStream).
ALTER TABLE ${schema}.tasks ADD COLUMN resumes int NOT NULL DEFAULT 0;

-- The approval-timeout sweep reads only parked tasks.
CREATE INDEX tasks_awaiting_approval ON ${schema}.tasks (approval_deadline) WHERE status = 'awaiting_approval';
