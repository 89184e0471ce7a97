-- Tenancy between namespaces: the operator gives each namespace with a pool a login role of its own
-- (NamespaceStoreRoles), and row-level security confines such a role to the rows of its namespace. The schema's
-- owner (the operator and the gateway connect as it) bypasses these policies, as table owners do.

-- Which namespace each role stands for. Only the owner reads it: it holds the passwords the operator hands out
-- in the namespaces' connection Secrets.
CREATE TABLE ${schema}.namespace_roles (
    namespace  text        PRIMARY KEY,
    role_name  name        NOT NULL UNIQUE,
    password   text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON ${schema}.namespace_roles FROM PUBLIC;

-- The namespace a role stands for, or NULL (no rows) for a role that stands for none. SECURITY DEFINER so a
-- namespace role can ask without reading the table (and its passwords); the caller passes current_user, because
-- inside a definer function current_user is the definer.
CREATE FUNCTION ${schema}.namespace_of_role(role name) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT namespace FROM ${schema}.namespace_roles WHERE role_name = role
$$;

-- Every table keyed by namespace: a namespace role sees and writes only its own rows, whatever it is granted.
-- The sub-select runs once per statement (an init plan), not once per row.
ALTER TABLE ${schema}.agents ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_namespace ON ${schema}.agents
    USING (namespace = (SELECT ${schema}.namespace_of_role(current_user))) WITH CHECK (namespace = (SELECT ${schema}.namespace_of_role(current_user)));
ALTER TABLE ${schema}.skills ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_namespace ON ${schema}.skills
    USING (namespace = (SELECT ${schema}.namespace_of_role(current_user))) WITH CHECK (namespace = (SELECT ${schema}.namespace_of_role(current_user)));
ALTER TABLE ${schema}.skill_versions ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_namespace ON ${schema}.skill_versions
    USING (namespace = (SELECT ${schema}.namespace_of_role(current_user))) WITH CHECK (namespace = (SELECT ${schema}.namespace_of_role(current_user)));
-- On the partitioned parent: namespace roles are granted the parent only, so they reach the days through it.
ALTER TABLE ${schema}.tasks ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_namespace ON ${schema}.tasks
    USING (namespace = (SELECT ${schema}.namespace_of_role(current_user))) WITH CHECK (namespace = (SELECT ${schema}.namespace_of_role(current_user)));
ALTER TABLE ${schema}.task_idempotency ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_namespace ON ${schema}.task_idempotency
    USING (namespace = (SELECT ${schema}.namespace_of_role(current_user))) WITH CHECK (namespace = (SELECT ${schema}.namespace_of_role(current_user)));
ALTER TABLE ${schema}.thread_owners ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_namespace ON ${schema}.thread_owners
    USING (namespace = (SELECT ${schema}.namespace_of_role(current_user))) WITH CHECK (namespace = (SELECT ${schema}.namespace_of_role(current_user)));

-- The SHA-256 of the compiled assembly, written with it by the component that validated the skill (the operator).
-- Workers may not write either column; they check the bytes against this before a skill host loads them.
ALTER TABLE ${schema}.skill_versions ADD COLUMN assembly_sha256 text NULL;
UPDATE ${schema}.skill_versions SET assembly_sha256 = encode(sha256(assembly), 'hex') WHERE assembly IS NOT NULL;

-- Workers create the coming days' partitions (inserts must always find their day) without the right to create
-- tables: this definer function takes only how many days ahead, bounded, from today.
CREATE FUNCTION ${schema}.ensure_upcoming_task_partitions(days_ahead int) RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF days_ahead NOT BETWEEN 0 AND 31 THEN
        RAISE EXCEPTION 'days_ahead must be between 0 and 31, got %', days_ahead;
    END IF;
    RETURN ${schema}.ensure_task_partitions(days_ahead);
END
$$;
REVOKE ALL ON FUNCTION ${schema}.ensure_task_partitions(int, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION ${schema}.ensure_upcoming_task_partitions(int) FROM PUBLIC;
