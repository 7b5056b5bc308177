import { WILL_FIELDS } from './will-codec';

/**
 * Lua shared by the scripts that hand a will out. Handing out and deleting
 * happen in one step, which is what makes every will go to one caller only.
 */
export const TAKE_WILL_LUA = `
local WILL_FIELDS = {${WILL_FIELDS.map((f) => `'${f}'`).join(', ')}}
local function take_will(will)
  local v = redis.call('HMGET', will, unpack(WILL_FIELDS))
  redis.call('DEL', will)
  return v
end
`;

/** Lua: marks a will due after delay_ms; it expires a day after that if nobody takes it. */
export const SCHEDULE_WILL_LUA = `
local function schedule_will(will, delay_ms)
  local due = now_ms() + delay_ms
  redis.call('HSET', will, 'due', string.format('%.0f', due))
  redis.call('PEXPIRE', will, delay_ms + 86400000)
  return due
end
`;
