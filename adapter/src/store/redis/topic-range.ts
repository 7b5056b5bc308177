import { literalPrefix } from '../../mqtt/topic';

/**
 * The prefix every topic a filter can match starts with. As literalPrefix,
 * except that `a/#` also matches its parent `a` [MQTT-4.7.1-2], so the `/`
 * before a trailing `#` is not part of it.
 */
export function scanPrefix(filter: string): string {
  const prefix = literalPrefix(filter);
  return prefix.endsWith('/') && filter === `${prefix}#` ? prefix.slice(0, -1) : prefix;
}

/**
 * ZRANGEBYLEX bounds of all members that start with a prefix. `\xff` never
 * occurs in UTF-8, so every topic with the prefix sorts below prefix + 0xff.
 * Buffers, because a JS string "\xff" would be sent as the two bytes C3 BF.
 */
export function prefixRange(prefix: string): { min: Buffer; max: Buffer } {
  if (prefix.length === 0) return { min: Buffer.from('-'), max: Buffer.from('+') };
  return {
    min: Buffer.from(`[${prefix}`),
    max: Buffer.concat([Buffer.from(`(${prefix}`), Buffer.of(0xff)]),
  };
}

/** The bound that continues a range after the last member already read. */
export function after(member: string): Buffer {
  return Buffer.from(`(${member}`);
}
