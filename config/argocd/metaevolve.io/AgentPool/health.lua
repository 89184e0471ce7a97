-- Argo CD health of a MetaEvolve AgentPool (Lua 5.1, as Argo CD runs it; obj is the live object).
-- Healthy once Ready is True: the operator keeps Ready True while the pool can serve, so a pool that scales up or
-- rolls out with some workers available, waits (within its start grace) for a worker to wake, or rests at zero is
-- Healthy. Suspended when spec.suspend; Degraded when the pool cannot serve: the queue cannot be read (a person must
-- look at NATS) or no worker has been available past the start grace; Progressing otherwise (a new pool starting).
local hs = {}

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

if obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Deleting: the operator removes the pool's queue consumer before the finalizer goes"
  return hs
end

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "The pool is suspended: no workers run and tasks wait in the queue"
  return hs
end

local ready = condition("Ready")
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report the pool's status"
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
if (stalled ~= nil and stalled.status == "True") or ready.reason == "QueueUnavailable" or ready.reason == "DeploymentUnavailable" then
  hs.status = "Degraded"
  hs.message = ready.reason .. ": " .. (ready.message or "")
  return hs
end

hs.status = "Progressing"
hs.message = ready.message
return hs
