/**
 * How long a released session's keys outlive its deadline: the time the
 * sweeper has to end it and delete its queue (claimExpired) before Redis drops
 * them on its own. A claim past the deadline finds no session either way.
 */
export const EXPIRY_GRACE_MS = 3_600_000;

/**
 * A released session lives on for its expiry, with its inbound QoS 2 records;
 * expiry 0 means it ends with the connection [MQTT-3.1.2-23]. The deadline is
 * the owner hash's `expires` (Redis time, ms): set from now by a release
 * (`fresh`), kept by a late write of the releasing owner, which therefore
 * lands without lengthening the session. The keys, the owner hash (the epoch)
 * included, live EXPIRY_GRACE_MS past it, or an hour without a session, so a
 * late save by the releasing owner still lands.
 */
export const EXPIRE_RELEASED_LUA = `
local function expire_released(owner, session, qos2, fresh)
  local state = redis.call('GET', session)
  local expiry = 0
  if state then expiry = tonumber(cjson.decode(state).expirySeconds) or 0 end
  if expiry <= 0 then
    redis.call('DEL', session, qos2)
    redis.call('HDEL', owner, 'expires')
    redis.call('PEXPIRE', owner, 3600000)
    return ''
  end
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local deadline = tonumber(redis.call('HGET', owner, 'expires'))
  if fresh or not deadline then
    deadline = now + expiry * 1000
    redis.call('HSET', owner, 'expires', string.format('%.0f', deadline))
  end
  local ttl = math.max(deadline - now, 0) + ${EXPIRY_GRACE_MS}
  redis.call('PEXPIRE', session, ttl)
  redis.call('PEXPIRE', qos2, ttl)
  redis.call('PEXPIRE', owner, ttl)
  return string.format('%.0f', deadline)
end
`;
