-- What the task pipeline adds to the store schema of V1.

-- Dead-lettered tasks (out of attempts), for `metaevolve tasks list --dead-lettered` and the retry API.
-- Partial, so it stays tiny. It indexes only columns a task never changes (namespace), with a predicate
-- that stays false for healthy tasks: an index on finished_at or status would turn every result write
-- into a non-HOT update (new index entries per row), the pipeline's hottest statement.
CREATE INDEX tasks_dead_lettered ON ${schema}.tasks (namespace) WHERE dead_lettered;

CREATE VIEW ${schema}.dead_lettered_tasks AS
    SELECT id, created_at, namespace, pool, agent, error, attempts, finished_at
    FROM ${schema}.tasks
    WHERE dead_lettered;
