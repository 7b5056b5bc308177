import { remainingLength } from './framer';

/** Control packet type 1 in the high nibble of the first byte [MQTT-2.1.2]. */
const CONNECT_TYPE = 1;

/**
 * The protocol level a CONNECT declares, read from its first bytes alone
 * (fixed header, then the Protocol Name as a length-prefixed string, then the
 * level byte [MQTT-3.1.2-1]), so a CONNECT refused before it is buffered can
 * still be answered at its client's level. Undefined when `head` is not the
 * start of a CONNECT or stops before the level byte.
 */
export function connectProtocolLevel(head: Buffer): number | undefined {
  if (head.length === 0 || head[0] >> 4 !== CONNECT_TYPE) return undefined;
  const fixed = remainingLength(head, 0);
  if (typeof fixed === 'string' || head.length < fixed.headerSize + 2) return undefined;
  const at = fixed.headerSize + 2 + head.readUInt16BE(fixed.headerSize);
  return at < head.length ? head[at] : undefined;
}
