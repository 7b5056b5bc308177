import fc from 'fast-check';
import { generate, type Packet } from 'mqtt-packet';

/** Where a client's socket goes away. */
export type Cut =
  | { readonly kind: 'bytes'; readonly at: number }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'after'; readonly cmd: 'connack' | 'suback' | 'ack' };

export interface Scenario {
  readonly version: 4 | 5;
  readonly persistent: boolean;
  readonly qos: 0 | 1 | 2;
  readonly will: boolean;
  readonly publishes: number;
  readonly cut: Cut;
  /** A FIN or a reset. */
  readonly reset: boolean;
  /** A second connection with the same client id, this many ms later. */
  readonly takeoverAfterMs: number | undefined;
}

export const scenarios: fc.Arbitrary<Scenario> = fc.record({
  version: fc.constantFrom(4 as const, 5 as const),
  persistent: fc.boolean(),
  qos: fc.constantFrom(0 as const, 1 as const, 2 as const),
  will: fc.boolean(),
  publishes: fc.integer({ min: 0, max: 3 }),
  cut: fc.oneof(
    fc.record({ kind: fc.constant('bytes' as const), at: fc.integer({ min: 0, max: 400 }) }),
    fc.record({ kind: fc.constant('delay' as const), ms: fc.integer({ min: 0, max: 40 }) }),
    fc.record({
      kind: fc.constant('after' as const),
      cmd: fc.constantFrom('connack' as const, 'suback' as const, 'ack' as const),
    }),
  ),
  reset: fc.boolean(),
  takeoverAfterMs: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
});

/** The bytes a client of `s` writes in one go: CONNECT, SUBSCRIBE, then its PUBLISHes. */
export function script(
  s: Scenario,
  clientId: string,
  topic: string,
  credentials: { username: string; password: string },
): Buffer {
  const v5 = s.version === 5;
  const packets: Packet[] = [
    {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: s.version,
      clientId,
      clean: !s.persistent || v5,
      keepalive: 30,
      username: credentials.username,
      password: Buffer.from(credentials.password),
      ...(v5 && s.persistent ? { properties: { sessionExpiryInterval: 300 } } : {}),
      ...(s.will
        ? { will: { topic: `${topic}/will`, payload: Buffer.from('gone'), qos: 1, retain: false } }
        : {}),
    },
    { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `${topic}/#`, qos: s.qos }] },
  ];
  for (let i = 0; i < s.publishes; i++) {
    packets.push({
      cmd: 'publish',
      topic: `${topic}/m`,
      payload: Buffer.from(String(i)),
      qos: s.qos,
      dup: false,
      retain: false,
      ...(s.qos > 0 ? { messageId: 10 + i } : {}),
    });
  }
  return Buffer.concat(packets.map((p) => generate(p, { protocolVersion: s.version })));
}
