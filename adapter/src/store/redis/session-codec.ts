import type { QoS } from '../../amqp/message';
import type {
  InboundQos2Entry,
  InboundQos2Record,
  SessionState,
  StoredSubscription,
} from '../../ports/session-store';

/**
 * Sessions are stored as JSON so the Lua scripts can read expirySeconds. The
 * whole state is written, so JSON-safe fields added to SessionState later
 * survive a trip through Redis unchanged; decodeSession checks the ones it knows.
 */
export function encodeSession(state: SessionState): string {
  return JSON.stringify(state);
}

/** The inverse of encodeSession; throws on data that did not come from it. */
export function decodeSession(json: string): SessionState {
  const raw: unknown = JSON.parse(json);
  if (!isRecord(raw)) throw new Error('stored session is not an object');
  const { protocolVersion, expirySeconds, subscriptions, inboundQos2, outboundPubrel, outboundUnacked } = raw;
  if (
    typeof protocolVersion !== 'number' ||
    typeof expirySeconds !== 'number' ||
    !Array.isArray(subscriptions)
  ) {
    throw new Error('stored session lacks protocolVersion, expirySeconds or subscriptions');
  }
  if (!optionalIds(inboundQos2) || !optionalIds(outboundPubrel))
    throw new Error('stored QoS 2 state is malformed');
  if (
    raw.recentTokens !== undefined &&
    !(Array.isArray(raw.recentTokens) && raw.recentTokens.every(isRecentToken))
  )
    throw new Error('stored QoS 2 tokens are malformed');
  if (outboundUnacked !== undefined && !(Array.isArray(outboundUnacked) && outboundUnacked.every(isUnacked)))
    throw new Error('stored unacknowledged PUBLISHes are malformed');
  return { ...raw, protocolVersion, expirySeconds, subscriptions: subscriptions.map(decodeSubscription) };
}

/** One inbound QoS 2 record as a hash value: its state's initial, a colon, its token. */
export function encodeQos2Record(entry: InboundQos2Record): string {
  return `${entry.state === 'pending' ? 'p' : 'r'}:${entry.token}`;
}

/** The records of HGETALL (field, value, ...); throws on data encodeQos2Record did not write. */
export function decodeQos2Records(flat: readonly string[]): InboundQos2Entry[] {
  const entries: InboundQos2Entry[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const id = Number(flat[i]);
    const value = flat[i + 1];
    const state = value.startsWith('p:') ? 'pending' : value.startsWith('r:') ? 'received' : undefined;
    if (!Number.isInteger(id) || id < 1 || id > 65535 || state === undefined)
      throw new Error(`stored QoS 2 record ${flat[i]} is malformed`);
    entries.push({ id, token: value.slice(2), state });
  }
  return entries;
}

function decodeSubscription(raw: unknown): StoredSubscription {
  if (!isRecord(raw) || typeof raw.filter !== 'string' || !isQoS(raw.qos)) {
    throw new Error('stored subscription is malformed');
  }
  const { noLocal, retainAsPublished, subscriptionId } = raw;
  if (
    !optional(noLocal, 'boolean') ||
    !optional(retainAsPublished, 'boolean') ||
    !optional(subscriptionId, 'number')
  ) {
    throw new Error(`stored subscription options of ${raw.filter} are malformed`);
  }
  return { ...raw, filter: raw.filter, qos: raw.qos };
}

export function isQoS(v: unknown): v is QoS {
  return v === 0 || v === 1 || v === 2;
}

function optional(v: unknown, type: 'boolean' | 'number'): boolean {
  return v === undefined || typeof v === type;
}

function optionalIds(v: unknown): boolean {
  return v === undefined || (Array.isArray(v) && v.every((id) => Number.isInteger(id)));
}

function isUnacked(v: unknown): boolean {
  return (
    isRecord(v) &&
    Number.isInteger(v.id) &&
    (v.id as number) >= 1 &&
    (v.id as number) <= 65535 &&
    typeof v.queue === 'string' &&
    typeof v.key === 'string' &&
    (v.released === undefined || v.released === true)
  );
}

function isRecentToken(v: unknown): boolean {
  return (
    isRecord(v) &&
    typeof v.queue === 'string' &&
    typeof v.token === 'string' &&
    (v.resent === undefined || v.resent === true)
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
