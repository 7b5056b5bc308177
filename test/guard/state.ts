/**
 * What a test file may not leave behind on a shared service, as entries keyed
 * by what they are (`queue / mqtt-subscription-x`, `redis db0 key`). A number
 * is a count that may fall but not rise (consumers of a queue that was already
 * there); a string must come back unchanged.
 */
export type ServiceState = ReadonlyMap<string, string | number>;

/**
 * The entries `after` holds that `before` did not, or holds with a higher count
 * or another value, one line each. Entries gone since `before` are not leaks:
 * another file's leftovers may vanish asynchronously while this one runs.
 */
export function stateLeaks(before: ServiceState, after: ServiceState): string[] {
  const leaks: string[] = [];
  for (const [key, value] of after) {
    const was = before.get(key);
    if (was === undefined) leaks.push(value === '' ? `+ ${key}` : `+ ${key} (${value})`);
    else if (typeof value === 'number' && typeof was === 'number' ? value > was : value !== was)
      leaks.push(`~ ${key}: ${was} -> ${value}`);
  }
  return leaks.sort();
}
