import type { StoredWill, WillProperties } from '../../ports/will-store';
import { isQoS } from './session-codec';

/** Field order of a will hash, shared by the Lua scripts (WILL_FIELDS_LUA) and decodeWill. */
export const WILL_FIELDS = ['epoch', 'topic', 'payload', 'qos', 'retain', 'delay', 'props', 'due'] as const;

/** ARGV for the put script, after the epoch: topic, payload, qos, retain, delay, props. */
export function willArgs(will: StoredWill): (string | Buffer)[] {
  return [
    will.topic,
    will.payload,
    String(will.qos),
    will.retain ? '1' : '0',
    String(will.delaySeconds),
    will.props ? encodeProperties(will.props) : '',
  ];
}

/** HMGET of WILL_FIELDS, as Buffers, back to a will. */
export function decodeWill(values: readonly unknown[]): StoredWill {
  const [, topic, payload, qos, retain, delay, props] = values;
  const q = Number(text(qos));
  if (!Buffer.isBuffer(topic) || !Buffer.isBuffer(payload) || !isQoS(q))
    throw new Error('stored will is malformed');
  const decoded = text(props) ? decodeProperties(text(props)) : undefined;
  return {
    topic: topic.toString(),
    payload,
    qos: q,
    retain: text(retain) === '1',
    delaySeconds: Number(text(delay)) || 0,
    ...(decoded ? { props: decoded } : {}),
  };
}

/** JSON, with correlation data (binary) as base64. */
function encodeProperties(p: WillProperties): string {
  const { correlationData, ...rest } = p;
  return JSON.stringify({
    ...rest,
    ...(correlationData ? { correlationData: correlationData.toString('base64') } : {}),
  });
}

function decodeProperties(json: string): WillProperties {
  const raw = JSON.parse(json) as Record<string, unknown>;
  const { correlationData, ...rest } = raw;
  return {
    ...(rest as WillProperties),
    ...(typeof correlationData === 'string'
      ? { correlationData: Buffer.from(correlationData, 'base64') }
      : {}),
  };
}

function text(v: unknown): string {
  return Buffer.isBuffer(v) ? v.toString() : typeof v === 'string' ? v : '';
}
