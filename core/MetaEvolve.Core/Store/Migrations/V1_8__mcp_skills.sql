-- Skills of type Mcp: their versions hold the spec (url, transport, header Secret references, allowlist) and the
-- tools the operator listed when it published them; never a header's value. (V1_7 is taken by tool approval.)
ALTER TABLE ${schema}.skill_versions DROP CONSTRAINT skill_versions_type_check;
ALTER TABLE ${schema}.skill_versions ADD CONSTRAINT skill_versions_type_check CHECK (type IN ('Prompt', 'CSharp', 'Mcp'));
