-- Argo CD health of a MetaEvolve Agent (Lua 5.1, as Argo CD runs it; obj is the live object).
-- Healthy once Ready is True; Degraded when Stalled (a missing pool, Secret, ConfigMap or skill: a person must act);
-- Progressing while there is no status, the status lags the spec, or a deletion waits on its finalizer.
local hs = {}

-- Ready=False reasons that need a person; any other reason is the operator still at work.
local needsAPerson = { PoolNotFound = true, SecretNotFound = true, ConfigMapNotFound = true, SkillNotFound = true, SkillNotReady = true, SkillVersionNotFound = true }

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
  hs.message = "Deleting: the operator removes the agent from the store before the finalizer goes"
  if ready ~= nil and ready.status == "False" and ready.message ~= nil then
    hs.message = "Deleting: " .. ready.message
  end
  return hs
end

if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report the agent's status"
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

local stalled = condition("Stalled")
if (stalled ~= nil and stalled.status == "True") or needsAPerson[ready.reason] then
  hs.status = "Degraded"
  hs.message = ready.reason .. ": " .. (ready.message or "")
  return hs
end

hs.status = "Progressing"
hs.message = ready.message
return hs
