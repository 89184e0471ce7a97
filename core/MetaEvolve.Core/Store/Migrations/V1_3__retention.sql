-- Retention that keeps its promises: an idempotency key leaves with its task's day.

-- Task ids are UUIDv7, so a key's task day is known from the key row alone: when a day's partition is dropped,
-- its keys go in the same transaction through this index (a range, not a join with the partition).
CREATE INDEX task_idempotency_by_task_time ON ${schema}.task_idempotency (${schema}.uuid_v7_time(task_id));
