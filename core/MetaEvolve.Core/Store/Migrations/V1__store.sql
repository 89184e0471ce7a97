-- The store's first schema: agents, skills with their immutable versions, and tasks.
-- ${schema} is replaced by StoreOptions.Schema, so tests can migrate a schema of their own.
-- Every object is schema-qualified: functions run with the caller's search_path.

-- Agents as the operator projects them: the spec plus the skill digests it resolved.
CREATE TABLE ${schema}.agents (
    namespace       text        NOT NULL,
    name            text        NOT NULL,
    pool            text        NOT NULL,
    -- sha256 of the normalized spec; workers reload when it changes.
    digest          text        NOT NULL,
    spec            jsonb       NOT NULL,
    -- [{name, version, digest}], so a worker loads exactly the versions the operator resolved.
    resolved_skills jsonb       NOT NULL DEFAULT '[]',
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, name)
);

-- Every published skill version, content-addressed: a row is written once and never changed, so an
-- agent can pin a version and a bad edit never replaces the last good one.
CREATE TABLE ${schema}.skill_versions (
    namespace  text        NOT NULL,
    name       text        NOT NULL,
    version    text        NOT NULL,
    digest     text        NOT NULL,
    type       text        NOT NULL CHECK (type IN ('Prompt', 'CSharp')),
    spec       jsonb       NOT NULL,
    functions  jsonb       NOT NULL DEFAULT '[]',
    -- Compiled C# skill assembly: compiled once per digest for the whole cluster, then loaded by
    -- every worker. NULL for prompt skills.
    assembly   bytea       NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, name, digest)
);

-- Agents pinning `version` look a skill version up by its version string.
CREATE INDEX skill_versions_by_version ON ${schema}.skill_versions (namespace, name, version);

-- The "latest published" pointer per skill; agents without a pinned version follow it.
CREATE TABLE ${schema}.skills (
    namespace      text        NOT NULL,
    name           text        NOT NULL,
    latest_digest  text        NOT NULL,
    latest_version text        NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, name),
    -- The pointer always names a stored version: publish the version first, then move the pointer.
    FOREIGN KEY (namespace, name, latest_digest) REFERENCES ${schema}.skill_versions (namespace, name, digest)
);

-- The time encoded in a UUIDv7 (its first 48 bits are Unix milliseconds). IMMUTABLE, so a lookup
-- by id alone can prune partitions: WHERE id = $1 AND created_at = ${schema}.uuid_v7_time($1).
CREATE FUNCTION ${schema}.uuid_v7_time(id uuid) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT to_timestamp(('x' || substr(replace(id::text, '-', ''), 1, 12))::bit(48)::bigint / 1000.0)
$$;

-- Tasks: one row per task, partitioned by day of creation so old days are dropped whole.
CREATE TABLE ${schema}.tasks (
    -- A UUIDv7 chosen by the submitter (it is also the JetStream Nats-Msg-Id).
    id                uuid        NOT NULL,
    -- The time carried by the id (millisecond precision), so the id alone finds the partition.
    created_at        timestamptz NOT NULL,
    namespace         text        NOT NULL,
    agent             text        NOT NULL,
    pool              text        NOT NULL,
    thread_id         text        NULL,
    status            text        NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    input             jsonb       NOT NULL,
    output            jsonb       NULL,
    error             text        NULL,
    attempts          int         NOT NULL DEFAULT 0,
    dead_lettered     boolean     NOT NULL DEFAULT false,
    -- Cancellation is a store record the worker honours: skipped if queued, token cancelled if running.
    cancel_requested  boolean     NOT NULL DEFAULT false,
    idempotency_key   text        NULL,
    -- W3C traceparent of the submitter, so the worker continues the trace.
    trace_parent      text        NULL,
    deadline          timestamptz NULL,
    prompt_tokens     int         NOT NULL DEFAULT 0,
    completion_tokens int         NOT NULL DEFAULT 0,
    queued_at         timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz NULL,
    finished_at       timestamptz NULL,
    -- A partitioned table's primary key must contain the partition key.
    PRIMARY KEY (id, created_at),
    CONSTRAINT tasks_created_at_is_id_time CHECK (created_at = ${schema}.uuid_v7_time(id))
) PARTITION BY RANGE (created_at);

-- Catches rows for days without a partition, so an insert never fails for want of one.
-- ensure_task_partitions moves such rows into the day's partition when it creates it.
CREATE TABLE ${schema}.tasks_default PARTITION OF ${schema}.tasks DEFAULT;

-- Idempotency keys map to one task whatever partition it is in, hence unpartitioned.
CREATE TABLE ${schema}.task_idempotency (
    namespace  text        NOT NULL,
    key        text        NOT NULL,
    task_id    uuid        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (namespace, key)
);

-- Creates the daily partitions (UTC days) from `from_day` through `days_ahead` days after it, and
-- returns how many it created. Idempotent; meant to run on a schedule. Rows already in the default
-- partition for a new day are moved into it, because PostgreSQL refuses to create a partition whose
-- range still has rows in the default partition. Safe to call from several processes at once.
CREATE FUNCTION ${schema}.ensure_task_partitions(
    days_ahead int DEFAULT 7,
    from_day date DEFAULT (now() AT TIME ZONE 'UTC')::date
) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    partition_day  date;
    range_start    timestamptz;
    range_end      timestamptz;
    partition_name text;
    created        int := 0;
BEGIN
    -- Concurrent callers would otherwise race to create the same table.
    PERFORM pg_advisory_xact_lock(hashtext('${schema}.ensure_task_partitions'));
    IF days_ahead < 0 THEN
        RAISE EXCEPTION 'days_ahead must be >= 0, got %', days_ahead;
    END IF;
    FOR offset_days IN 0 .. days_ahead LOOP
        partition_day := from_day + offset_days;
        partition_name := 'tasks_' || to_char(partition_day, 'YYYYMMDD');
        CONTINUE WHEN to_regclass(format('%I.%I', '${schema}', partition_name)) IS NOT NULL;
        range_start := partition_day::timestamp AT TIME ZONE 'UTC';
        range_end := (partition_day + 1)::timestamp AT TIME ZONE 'UTC';
        IF EXISTS (SELECT 1 FROM ${schema}.tasks_default WHERE created_at >= range_start AND created_at < range_end) THEN
            EXECUTE format('CREATE TABLE %I.%I (LIKE %I.tasks INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                           '${schema}', partition_name, '${schema}');
            EXECUTE format('WITH moved AS (DELETE FROM %I.tasks_default WHERE created_at >= $1 AND created_at < $2 RETURNING *)
                            INSERT INTO %I.%I SELECT * FROM moved', '${schema}', '${schema}', partition_name)
                USING range_start, range_end;
            EXECUTE format('ALTER TABLE %I.tasks ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)',
                           '${schema}', '${schema}', partition_name, range_start, range_end);
        ELSE
            EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.tasks FOR VALUES FROM (%L) TO (%L)',
                           '${schema}', partition_name, '${schema}', range_start, range_end);
        END IF;
        created := created + 1;
    END LOOP;
    RETURN created;
END
$$;

-- Today and the next week exist from the start.
SELECT ${schema}.ensure_task_partitions();
