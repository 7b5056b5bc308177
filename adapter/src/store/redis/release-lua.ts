/**
 * A released session lives on for its expiry, with its inbound QoS 2 records;
 * expiry 0 means it ends with the connection [MQTT-3.1.2-23]. The owner hash
 * (the epoch) is kept as long, or an hour without a session, so a late save by
 * the releasing owner still lands.
 */
export const EXPIRE_RELEASED_LUA = `
local function expire_released(owner, session, qos2)
  local ttl = 3600000
  local state = redis.call('GET', session)
  local expiry = 0
  if state then expiry = tonumber(cjson.decode(state).expirySeconds) or 0 end
  if expiry > 0 then
    ttl = expiry * 1000
    redis.call('PEXPIRE', session, ttl)
    redis.call('PEXPIRE', qos2, ttl)
  else
    redis.call('DEL', session, qos2)
  end
  redis.call('PEXPIRE', owner, ttl)
end
`;
