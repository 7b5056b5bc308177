import { LuaScript } from './lua-script';
import { NEXT_EPOCH_LUA } from './epoch-lua';
import { EXPIRE_RELEASED_LUA } from './release-lua';

/*
 * Session ownership scripts. KEYS[1] is the owner hash, KEYS[2] the session
 * string, both under the client's hash tag. Every script that writes checks the
 * epoch first: that check is the fence against an owner that was taken over.
 */

/**
 * ARGV: pod, connection, cleanStart ('1'|'0'), own events channel, client id.
 * Returns {epoch, previous pod, previous connection, session}, '' for absent.
 * The displaced owner's pod hears about it on the channel it registered, in
 * the same atomic step, so no takeover goes unannounced [MQTT-3.1.4-2].
 */
export const CLAIM = new LuaScript(
  'claim',
  NEXT_EPOCH_LUA +
    `
local owner, session = KEYS[1], KEYS[2]
local prev = redis.call('HMGET', owner, 'epoch', 'pod', 'conn', 'chan')
local epoch = next_epoch(prev[1])
redis.call('HSET', owner, 'epoch', fmt(epoch), 'pod', ARGV[1], 'conn', ARGV[2], 'chan', ARGV[4])
redis.call('PERSIST', owner)
if ARGV[3] == '1' then redis.call('DEL', session) else redis.call('PERSIST', session) end
if prev[2] then
  redis.call('PUBLISH', prev[4], cjson.encode({clientId = ARGV[5], pod = prev[2], connection = prev[3]}))
end
return {fmt(epoch), prev[2] or '', prev[3] or '', redis.call('GET', session) or ''}
`,
);

/** ARGV: epoch, session JSON. Returns 1, or 0 for a stale epoch. */
export const SAVE = new LuaScript(
  'save',
  EXPIRE_RELEASED_LUA +
    `
local owner, session = KEYS[1], KEYS[2]
local fields = redis.call('HMGET', owner, 'epoch', 'pod')
if fields[1] ~= ARGV[1] then return 0 end
redis.call('SET', session, ARGV[2])
if not fields[2] then expire_released(owner, session) end
return 1
`,
);

/**
 * ARGV: epoch. Releases ownership; the session stays for its expiry. Returns
 * the pod that owned it ('' if none), or 0 when stale.
 */
export const RELEASE = new LuaScript(
  'release',
  EXPIRE_RELEASED_LUA +
    `
local owner, session = KEYS[1], KEYS[2]
local o = redis.call('HMGET', owner, 'epoch', 'pod')
if o[1] ~= ARGV[1] then return 0 end
redis.call('HDEL', owner, 'pod', 'conn', 'chan')
expire_released(owner, session)
return o[2] or ''
`,
);

/** ARGV: epoch. Deletes the session and the ownership. Returns the pod that owned it ('' if none), or 0 when stale. */
export const DISCARD = new LuaScript(
  'discard',
  `
local owner, session = KEYS[1], KEYS[2]
local o = redis.call('HMGET', owner, 'epoch', 'pod')
if o[1] ~= ARGV[1] then return 0 end
redis.call('DEL', owner, session)
return o[2] or ''
`,
);
