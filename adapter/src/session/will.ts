import type { IConnectPacket } from 'mqtt-packet';
import type { StoredWill } from '../ports/will-store';

export type Will = StoredWill;

/** The will of a CONNECT, normalised; undefined when the client set none. */
export function willOf(p: IConnectPacket): Will | undefined {
  const w = p.will;
  if (!w) return undefined;
  const { willDelayInterval, ...props } = w.properties ?? {};
  return {
    topic: w.topic,
    payload: Buffer.isBuffer(w.payload) ? w.payload : Buffer.from(w.payload),
    qos: w.qos ?? 0,
    retain: w.retain ?? false,
    delaySeconds: willDelayInterval ?? 0,
    props: w.properties ? props : undefined,
  };
}
