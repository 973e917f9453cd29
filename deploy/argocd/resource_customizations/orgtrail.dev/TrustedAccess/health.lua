-- Argo CD health for orgtrail.dev objects. The operator writes kstatus conditions
-- (Ready, Reconciling, Stalled); this reads them the way Flux's kstatus does, so both
-- tools agree:
--   being deleted                           -> Progressing (finalizer: AWS cleanup)
--   no status yet / status.observedGeneration
--   behind metadata.generation              -> Progressing
--   Reconciling=True                        -> Progressing (e.g. waiting for trusted access)
--   Stalled=True                            -> Degraded (needs a human: invalid input,
--                                              missing permission, name clash, ...)
--   Ready=True                              -> Healthy
--   otherwise                               -> Progressing
local hs = { status = "Progressing", message = "Waiting for the operator to report status" }

local function describe(c)
  if c.message ~= nil and c.message ~= "" then
    return c.reason .. ": " .. c.message
  end
  return c.reason
end

if obj.metadata.deletionTimestamp ~= nil then
  hs.message = "Deleting: the operator is applying the deletion policy in AWS"
  return hs
end
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.message = "Waiting for the operator to observe generation " .. generation
  return hs
end

local ready, reconciling, stalled
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Ready" then
    ready = c
  elseif c.type == "Reconciling" then
    reconciling = c
  elseif c.type == "Stalled" then
    stalled = c
  end
end

if reconciling ~= nil and reconciling.status == "True" then
  hs.message = describe(reconciling)
elseif stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled)
elseif ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready)
elseif ready ~= nil then
  hs.message = describe(ready)
end
return hs
