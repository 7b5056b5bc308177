/**
 * A released session lives on for its expiry; expiry 0 means it ends with the
 * connection [MQTT-3.1.2-23]. The owner hash (the epoch) is kept as long, or an
 * hour without a session, so a late save by the releasing owner still lands.
 */
export const EXPIRE_RELEASED_LUA = `
local function expire_released(owner, session)
  local ttl = 3600000
  local state = redis.call('GET', session)
  if state then
    local expiry = tonumber(cjson.decode(state).expirySeconds) or 0
    if expiry > 0 then
      ttl = expiry * 1000
      redis.call('PEXPIRE', session, ttl)
    else
      redis.call('DEL', session)
    end
  end
  redis.call('PEXPIRE', owner, ttl)
end
`;
