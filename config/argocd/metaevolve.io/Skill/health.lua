-- Argo CD health of a MetaEvolve Skill (Lua 5.1, as Argo CD runs it; obj is the live object).
-- Healthy once Ready is True (the version is published); Degraded when Stalled (the template or source is rejected,
-- its tests fail: a person must fix the spec); Progressing while there is no status, the status lags the spec, or a
-- deletion waits on its finalizer (for instance until no agent uses the skill); Suspended while a version an agent
-- authored awaits a person's approval (the annotation metaevolve.io/approve), whose rejection is Degraded (Stalled).
local hs = {}

-- Ready=False reasons that need a person; any other reason is the operator still at work.
local needsAPerson = { TemplateInvalid = true, PolicyViolation = true, CompilationFailed = true, TestsFailed = true }

local function condition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local ready = condition("Ready")

if obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Deleting"
  if ready ~= nil and ready.status == "False" and ready.message ~= nil then
    hs.message = "Deleting: " .. ready.message
  end
  return hs
end

if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report the skill's status"
  return hs
end

if obj.status.observedGeneration == nil or (obj.metadata.generation ~= nil and obj.status.observedGeneration < obj.metadata.generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to reconcile the latest spec"
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message
  return hs
end

if ready.reason == "AwaitingApproval" then
  hs.status = "Suspended"
  hs.message = ready.message
  return hs
end

local stalled = condition("Stalled")
if (stalled ~= nil and stalled.status == "True") or needsAPerson[ready.reason] then
  hs.status = "Degraded"
  hs.message = ready.reason .. ": " .. (ready.message or "")
  return hs
end

hs.status = "Progressing"
hs.message = ready.message
return hs
