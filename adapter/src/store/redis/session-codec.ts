import type { QoS } from '../../amqp/message';
import type { SessionState, StoredSubscription } from '../../ports/session-store';

/** Sessions are stored as JSON so the Lua scripts can read expirySeconds. */
export function encodeSession(state: SessionState): string {
  return JSON.stringify({
    protocolVersion: state.protocolVersion,
    expirySeconds: state.expirySeconds,
    subscriptions: state.subscriptions.map((s) => ({ filter: s.filter, qos: s.qos })),
  });
}

/** The inverse of encodeSession; throws on data that did not come from it. */
export function decodeSession(json: string): SessionState {
  const raw: unknown = JSON.parse(json);
  if (!isRecord(raw)) throw new Error('stored session is not an object');
  const { protocolVersion, expirySeconds, subscriptions } = raw;
  if (
    typeof protocolVersion !== 'number' ||
    typeof expirySeconds !== 'number' ||
    !Array.isArray(subscriptions)
  ) {
    throw new Error('stored session lacks protocolVersion, expirySeconds or subscriptions');
  }
  return { protocolVersion, expirySeconds, subscriptions: subscriptions.map(decodeSubscription) };
}

function decodeSubscription(raw: unknown): StoredSubscription {
  if (!isRecord(raw) || typeof raw.filter !== 'string' || !isQoS(raw.qos)) {
    throw new Error('stored subscription is malformed');
  }
  return { filter: raw.filter, qos: raw.qos };
}

export function isQoS(v: unknown): v is QoS {
  return v === 0 || v === 1 || v === 2;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
