import { NOW_MS_LUA } from './epoch-lua';
import { LuaScript } from './lua-script';
import { SCHEDULE_WILL_LUA, TAKE_WILL_LUA } from './will-lua';

/*
 * Will scripts. Replies that carry a will are {'will', {fields...}} in
 * WILL_FIELDS order; the others are {'none'}, {'gone'} or {'later', due}.
 */

/** KEYS: owner, will. ARGV: epoch, then willArgs. 1, or 0 when the epoch is not the owner's. */
export const PUT_WILL = new LuaScript(
  'put-will',
  `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'epoch', ARGV[1], 'topic', ARGV[2], 'payload', ARGV[3], 'qos', ARGV[4],
  'retain', ARGV[5], 'delay', ARGV[6], 'props', ARGV[7])
return 1
`,
);

/** KEYS: will. ARGV: epoch. */
export const REMOVE_WILL = new LuaScript(
  'remove-will',
  `
if redis.call('HGET', KEYS[1], 'epoch') == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`,
);

/** KEYS: will. ARGV: epoch. */
export const TAKE_WILL = new LuaScript(
  'take-will',
  TAKE_WILL_LUA +
    `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return {'none'} end
return {'will', take_will(KEYS[1])}
`,
);

/** KEYS: will. ARGV: epoch, delay ms. The due time (Redis clock, ms), or -1 when there is no such will. */
export const SCHEDULE_WILL = new LuaScript(
  'schedule-will',
  NOW_MS_LUA +
    SCHEDULE_WILL_LUA +
    `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return -1 end
return schedule_will(KEYS[1], tonumber(ARGV[2]))
`,
);

/**
 * KEYS: will, taken. ARGV: the new epoch, how long a taken will is kept (ms).
 * Takes a will of an older epoch. Its reply can be lost after the script ran
 * (a timeout, a dropped connection), and the will would then be gone without
 * anyone to publish it: the will is moved to the taken key under the taker's
 * epoch instead of deleted, and a retry under that epoch gets it from there.
 * Each epoch belongs to one CONNECT, so only its own retry can, and the
 * retry's take deletes it: the will is handed out once.
 */
export const SUPERSEDE_WILL = new LuaScript(
  'supersede-will',
  TAKE_WILL_LUA +
    `
if redis.call('HGET', KEYS[2], 'taker') == ARGV[1] then return {'will', take_will(KEYS[2])} end
local epoch = tonumber(redis.call('HGET', KEYS[1], 'epoch'))
if not epoch or epoch >= tonumber(ARGV[1]) then return {'none'} end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[2], 'taker', ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {'will', redis.call('HMGET', KEYS[2], unpack(WILL_FIELDS))}
`,
);

/** KEYS: taken. ARGV: epoch. Deletes the will that epoch's supersede took, once its reply came. */
export const FORGET_TAKEN_WILL = new LuaScript(
  'forget-taken-will',
  `
if redis.call('HGET', KEYS[1], 'taker') == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`,
);

/** KEYS: will. Takes the will when it is scheduled and due by the Redis clock. */
export const TAKE_DUE_WILL = new LuaScript(
  'take-due-will',
  NOW_MS_LUA +
    TAKE_WILL_LUA +
    `
local due = tonumber(redis.call('HGET', KEYS[1], 'due'))
if not due then return {'gone'} end
if due > now_ms() then return {'later', string.format('%.0f', due)} end
return {'will', take_will(KEYS[1])}
`,
);
