import { LuaScript } from './lua-script';
import { NEXT_EPOCH_LUA, NOW_MS_LUA } from './epoch-lua';
import { EXPIRE_RELEASED_LUA } from './release-lua';

/*
 * Session ownership scripts. KEYS[1] is the owner hash, KEYS[2] the session
 * string, KEYS[3] the hash of inbound QoS 2 records (packet id -> 'p:' or 'r:'
 * and the token, for pending and received), all under the client's hash tag. Every script that writes checks the
 * epoch first: that check is the fence against an owner that was taken over.
 */

/**
 * ARGV: pod, connection, cleanStart ('1'|'0'), own events channel, client id.
 * Returns {epoch, previous pod, previous connection, session, QoS 2 records as
 * HGETALL gives them}, '' for absent. Records without a session are dropped:
 * there is nothing for them to resume.
 * The displaced owner's pod hears about it on the channel it registered, in
 * the same atomic step, so no takeover goes unannounced [MQTT-3.1.4-2].
 * A session released and past its deadline is not resumed, even before the
 * sweeper ended it [MQTT-3.1.2-23].
 */
export const CLAIM = new LuaScript(
  'claim',
  NEXT_EPOCH_LUA +
    NOW_MS_LUA +
    `
local owner, session, qos2 = KEYS[1], KEYS[2], KEYS[3]
local prev = redis.call('HMGET', owner, 'epoch', 'pod', 'conn', 'chan', 'expires')
local epoch = next_epoch(prev[1])
redis.call('HSET', owner, 'epoch', fmt(epoch), 'pod', ARGV[1], 'conn', ARGV[2], 'chan', ARGV[4])
redis.call('HDEL', owner, 'expires')
redis.call('PERSIST', owner)
local state = false
local expired = prev[5] and tonumber(prev[5]) <= now_ms()
if ARGV[3] ~= '1' and not expired then state = redis.call('GET', session) end
if state then
  redis.call('PERSIST', session)
  redis.call('PERSIST', qos2)
else
  redis.call('DEL', session, qos2)
end
if prev[2] then
  redis.call('PUBLISH', prev[4], cjson.encode({clientId = ARGV[5], pod = prev[2], connection = prev[3]}))
end
return {fmt(epoch), prev[2] or '', prev[3] or '', state or '', redis.call('HGETALL', qos2)}
`,
);

/**
 * Lua: runs `write` when ARGV[1] is the current epoch, returning 1, else 0. A
 * write after the release (a late save, a late confirm) lands and expires with the session.
 */
const FENCED_WRITE_LUA =
  EXPIRE_RELEASED_LUA +
  `
local function fenced_write(write)
  local owner, session, qos2 = KEYS[1], KEYS[2], KEYS[3]
  local fields = redis.call('HMGET', owner, 'epoch', 'pod')
  if fields[1] ~= ARGV[1] then return 0 end
  write(session, qos2)
  if not fields[2] then expire_released(owner, session, qos2, false) end
  return 1
end
`;

/** ARGV: epoch, session JSON. Returns 1, or 0 for a stale epoch. */
export const SAVE = new LuaScript(
  'save',
  FENCED_WRITE_LUA +
    `
return fenced_write(function(session) redis.call('SET', session, ARGV[2]) end)
`,
);

/** ARGV: epoch, packet id, record ('' removes it). Returns 1, or 0 for a stale epoch. */
export const RECORD_QOS2 = new LuaScript(
  'record-qos2',
  FENCED_WRITE_LUA +
    `
return fenced_write(function(_, qos2)
  if ARGV[3] == '' then redis.call('HDEL', qos2, ARGV[2]) else redis.call('HSET', qos2, ARGV[2], ARGV[3]) end
end)
`,
);

/**
 * ARGV: epoch. Releases ownership; the session stays for its expiry. Returns
 * {the pod that owned it ('' if none), the session's deadline ('' if it
 * ended)}, or 0 when stale.
 */
export const RELEASE = new LuaScript(
  'release',
  EXPIRE_RELEASED_LUA +
    `
local owner, session, qos2 = KEYS[1], KEYS[2], KEYS[3]
local o = redis.call('HMGET', owner, 'epoch', 'pod')
if o[1] ~= ARGV[1] then return 0 end
redis.call('HDEL', owner, 'pod', 'conn', 'chan')
return {o[2] or '', expire_released(owner, session, qos2, true)}
`,
);

/**
 * ARGV: pod, connection. Releases ownership, as RELEASE does, if that
 * connection still owns the client id. Returns {the pod ('' if it does not
 * own it), the deadline ('' if none)}.
 */
export const ABANDON = new LuaScript(
  'abandon',
  EXPIRE_RELEASED_LUA +
    `
local owner, session, qos2 = KEYS[1], KEYS[2], KEYS[3]
local o = redis.call('HMGET', owner, 'pod', 'conn')
if o[1] ~= ARGV[1] or o[2] ~= ARGV[2] then return {'', ''} end
redis.call('HDEL', owner, 'pod', 'conn', 'chan')
return {o[1], expire_released(owner, session, qos2, true)}
`,
);

/**
 * Ends a session released and past its deadline. Returns {'expired', vhost
 * ('' if the state names none)}: the state and QoS 2 records are gone, and the
 * epoch moved on so a late write of the last owner cannot bring them back;
 * {'later', deadline} while it has time left; {'none'} when it is owned, or
 * has no deadline or no state.
 */
export const EXPIRE_SESSION = new LuaScript(
  'expire-session',
  NEXT_EPOCH_LUA +
    NOW_MS_LUA +
    `
local owner, session, qos2 = KEYS[1], KEYS[2], KEYS[3]
local o = redis.call('HMGET', owner, 'epoch', 'pod', 'expires')
if o[2] or not o[3] then return {'none'} end
if tonumber(o[3]) > now_ms() then return {'later', o[3]} end
redis.call('HDEL', owner, 'expires')
redis.call('HSET', owner, 'epoch', fmt(next_epoch(o[1])))
local state = redis.call('GET', session)
redis.call('DEL', session, qos2)
if not state then return {'none'} end
local ok, decoded = pcall(cjson.decode, state)
local vhost = ok and type(decoded) == 'table' and decoded.vhost
if type(vhost) ~= 'string' then vhost = '' end
return {'expired', vhost}
`,
);

/** ARGV: epoch. Deletes the session and the ownership. Returns the pod that owned it ('' if none), or 0 when stale. */
export const DISCARD = new LuaScript(
  'discard',
  `
local owner, session, qos2 = KEYS[1], KEYS[2], KEYS[3]
local o = redis.call('HMGET', owner, 'epoch', 'pod')
if o[1] ~= ARGV[1] then return 0 end
redis.call('DEL', owner, session, qos2)
return o[2] or ''
`,
);
