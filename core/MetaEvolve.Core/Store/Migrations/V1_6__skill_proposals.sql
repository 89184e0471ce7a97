-- Self-evolution: every skill an agent proposes with evolution.ProposeSkill, with its verdict. A worker records the
-- proposal (Refused or Rejected end there; Accepted ones passed the worker's checks) and the operator's leader takes
-- the Accepted ones: it validates again, creates or updates the Skill object and moves the row on
-- (PendingApproval, Published or Rejected). Workers hold no Kubernetes credentials; this table is their hand-off.
CREATE TABLE ${schema}.skill_proposals (
    id          uuid        PRIMARY KEY,
    namespace   text        NOT NULL,
    agent       text        NOT NULL,
    -- The task that made the proposal (a direct call or a model's tool call), when there was one.
    task_id     uuid        NULL,
    skill       text        NOT NULL,
    version     text        NOT NULL,
    type        text        NOT NULL CHECK (type IN ('CSharp', 'Prompt')),
    -- The Skill spec the proposal would publish (description, version, type, csharp or prompt, tests, origin).
    spec        jsonb       NOT NULL,
    -- The digest of spec, as the operator computes a Skill's (SkillSpecDigest).
    digest      text        NOT NULL,
    state       text        NOT NULL CHECK (state IN ('Refused', 'Rejected', 'Accepted', 'PendingApproval', 'Published')),
    -- Why a proposal was refused: QuotaExceeded, RateLimited, TooLarge, NameOwnedByHuman, NameOwnedByOtherAgent.
    reason      text        NULL,
    message     text        NULL,
    -- [{severity, line, column, code, message}], the shape Skill status uses.
    diagnostics jsonb       NOT NULL DEFAULT '[]',
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- When the operator took the proposal, and who approved or rejected it.
    handled_at  timestamptz NULL,
    decided_by  text        NULL,
    decided_at  timestamptz NULL
);
-- The per-agent rate (proposals in the last hour) and ListAuthoredSkills.
CREATE INDEX skill_proposals_by_agent ON ${schema}.skill_proposals (namespace, agent, created_at);
-- What the operator has still to take.
CREATE INDEX skill_proposals_accepted ON ${schema}.skill_proposals (created_at) WHERE state = 'Accepted';

ALTER TABLE ${schema}.skill_proposals ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_namespace ON ${schema}.skill_proposals
    USING (namespace = (SELECT ${schema}.namespace_of_role(current_user))) WITH CHECK (namespace = (SELECT ${schema}.namespace_of_role(current_user)));
