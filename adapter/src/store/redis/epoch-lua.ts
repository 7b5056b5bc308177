/**
 * Lua shared by the scripts that hand out epochs. An epoch is the Redis server
 * time in microseconds, or the stored epoch + 1 when that is larger. Epochs
 * therefore keep increasing even after the owner hash was deleted (discard, or
 * a released session without state), so a stale owner can never match a
 * later claim's epoch. The value stays below 2^53 for centuries: exact in
 * both Lua and JavaScript numbers.
 */
export const NEXT_EPOCH_LUA = `
local function next_epoch(current)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  current = tonumber(current)
  if current and current >= now then return current + 1 end
  return now
end
local function fmt(n) return string.format('%.0f', n) end
`;

/** Lua: the Redis server time in milliseconds, the clock of every due time. */
export const NOW_MS_LUA = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;
