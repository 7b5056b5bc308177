import { NEXT_EPOCH_LUA, NOW_MS_LUA } from './epoch-lua';
import { LuaScript } from './lua-script';
import { EXPIRE_RELEASED_LUA } from './release-lua';
import { SCHEDULE_WILL_LUA, TAKE_WILL_LUA } from './will-lua';

/**
 * KEYS: the dead incarnation's alive key and sweeper lease. ARGV: sweeping
 * incarnation, lease ms, the most time the alive key may have left (-2: it
 * must be gone). That bound re-checks, atomically, what the sweeper saw: an
 * incarnation that refreshed meanwhile is alive again and keeps its clients.
 * 1 when the sweeper holds the lease. The lease only saves work: the
 * per-client script below is what makes the hand-over happen once, so a lease
 * that lapses mid-sweep does no harm.
 */
export const LEASE_DEAD_POD = new LuaScript(
  'lease-dead-pod',
  `
if redis.call('PTTL', KEYS[1]) > tonumber(ARGV[3]) then return 0 end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
`,
);

/**
 * KEYS: owner, session, will, QoS 2 records of one client. ARGV: dead pod, client id.
 * When the dead pod still owns the client id: bumps the epoch (a paused pod
 * that wakes up is fenced out and told on its channel to close the
 * connection), releases the session to expire, and settles the will of that
 * connection: {'will', fields} when it has no delay, else {'scheduled', due}.
 * Otherwise {'skip'}, or {'released'} when there was no will to settle.
 */
export const SWEEP_CLIENT = new LuaScript(
  'sweep-client',
  NEXT_EPOCH_LUA +
    NOW_MS_LUA +
    EXPIRE_RELEASED_LUA +
    TAKE_WILL_LUA +
    SCHEDULE_WILL_LUA +
    `
local owner, session, will, qos2 = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local o = redis.call('HMGET', owner, 'epoch', 'pod', 'conn', 'chan')
if o[2] ~= ARGV[1] then return {'skip'} end
redis.call('HSET', owner, 'epoch', fmt(next_epoch(o[1])))
redis.call('HDEL', owner, 'pod', 'conn', 'chan')
expire_released(owner, session, qos2, true)
if o[4] then
  redis.call('PUBLISH', o[4], cjson.encode({clientId = ARGV[2], pod = o[2], connection = o[3]}))
end
local w = redis.call('HMGET', will, 'epoch', 'delay', 'due')
if w[1] ~= o[1] or w[3] then return {'released'} end
local delay = tonumber(w[2]) or 0
if delay > 0 then return {'scheduled', string.format('%.0f', schedule_will(will, delay * 1000))} end
return {'will', take_will(will)}
`,
);
