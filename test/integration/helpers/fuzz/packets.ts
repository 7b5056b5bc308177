import type { Rng } from './rng';
import { bytes, raw, str, u16, u32, type Field, type Prop, type Props, type WirePacket } from './wire';

/**
 * Valid packets a client may send, of every type and protocol level, with
 * v5 property sets built by hand (each property of the packet's own set, of
 * its own type), so that what the mutations start from is well-formed.
 */

export type Level = 3 | 4 | 5;

/** Property identifiers by value type [MQTT-2.2.2.2]. */
export const PROPERTY_TYPES: Record<number, 'byte' | 'u16' | 'u32' | 'varint' | 'str' | 'bin' | 'pair'> = {
  0x01: 'byte',
  0x02: 'u32',
  0x03: 'str',
  0x08: 'str',
  0x09: 'bin',
  0x0b: 'varint',
  0x11: 'u32',
  0x12: 'str',
  0x13: 'u16',
  0x15: 'str',
  0x16: 'bin',
  0x17: 'byte',
  0x18: 'u32',
  0x19: 'byte',
  0x1a: 'str',
  0x1c: 'str',
  0x1f: 'str',
  0x21: 'u16',
  0x22: 'u16',
  0x23: 'u16',
  0x24: 'byte',
  0x25: 'byte',
  0x26: 'pair',
  0x27: 'u32',
  0x28: 'byte',
  0x29: 'byte',
  0x2a: 'byte',
};

/** What each packet may carry, with the values a well-behaved client would use. */
const ALLOWED = {
  connect: [0x11, 0x17, 0x19, 0x21, 0x22, 0x26, 0x27],
  will: [0x01, 0x02, 0x03, 0x08, 0x09, 0x18, 0x26],
  publish: [0x01, 0x02, 0x03, 0x08, 0x09, 0x26],
  ack: [0x1f, 0x26],
  subscribe: [0x0b, 0x26],
  unsubscribe: [0x26],
  disconnect: [0x11, 0x1f, 0x26],
  auth: [0x15, 0x16, 0x1f, 0x26],
} as const;

/** A value of the property's type; `sane` keeps it to what the packet allows (a payload format of 0 or 1, a receive maximum over 0). */
export function propertyValue(rng: Rng, id: number, sane: boolean): Field[] {
  const text = (): Field => str(sane ? `v${rng.int(1000)}` : rng.bytes(rng.int(12)));
  switch (PROPERTY_TYPES[id] ?? 'bin') {
    case 'byte':
      return [bytes(sane ? rng.int(2) : rng.int(256))];
    case 'u16':
      return [u16(sane ? 1 + rng.int(100) : rng.int(65536))];
    case 'u32':
      // A maximum packet size of 0 is a protocol error [MQTT-3.1.2.11.4].
      return [u32(sane ? (id === 0x27 ? 1024 + rng.int(65536) : rng.int(10)) : rng.int(2 ** 32))];
    case 'varint':
      return [{ kind: 'varint', n: sane ? 1 + rng.int(1000) : rng.int(2 ** 28) }];
    case 'str':
      return [text()];
    case 'bin':
      return [str(rng.bytes(rng.int(16)))];
    case 'pair':
      return [text(), text()];
  }
}

function props(rng: Rng, allowed: readonly number[]): Props {
  const list: Prop[] = [];
  const ids = allowed.filter(() => rng.chance(0.3));
  for (const id of ids) list.push({ id, value: propertyValue(rng, id, true) });
  // User properties may repeat.
  if (allowed.includes(0x26) && rng.chance(0.3))
    list.push({ id: 0x26, value: propertyValue(rng, 0x26, true) });
  return { kind: 'props', props: list };
}

/** Topic names and filters of this run only, so nothing published reaches another test. */
export class Topics {
  constructor(readonly root: string) {}

  name(rng: Rng): string {
    return `${this.root}/${rng.pick(['a', 'b', 'c'])}/${rng.int(4)}`;
  }

  filter(rng: Rng): string {
    return rng.pick([
      `${this.root}/#`,
      `${this.root}/+/1`,
      `${this.root}/a/2`,
      `$share/g${rng.int(3)}/${this.root}/b/#`,
    ]);
  }
}

export interface ConnectOptions {
  clientId: string;
  keepalive: number;
  clean: boolean;
}

export function connect(rng: Rng, level: Level, topics: Topics, o: ConnectOptions): WirePacket {
  const will = rng.chance(0.3);
  const willQos = will ? rng.int(3) : 0;
  const willRetain = will && rng.chance(0.3);
  const flags = 0xc0 | (willRetain ? 0x20 : 0) | (willQos << 3) | (will ? 0x04 : 0) | (o.clean ? 0x02 : 0);
  const body: Field[] = [str(level === 3 ? 'MQIsdp' : 'MQTT'), bytes(level, flags), u16(o.keepalive)];
  if (level === 5) body.push(props(rng, ALLOWED.connect));
  body.push(str(o.clientId));
  if (will) {
    if (level === 5) body.push(props(rng, ALLOWED.will));
    body.push(str(topics.name(rng)), str(rng.bytes(rng.int(20))));
  }
  body.push(str('guest'), str('guest'));
  return { type: 1, flags: 0, body };
}

const id = (rng: Rng): number => 1 + rng.int(65535);

/** One packet a client may send after CONNACK, of any type. */
export function afterConnect(rng: Rng, level: Level, topics: Topics): WirePacket {
  const v5 = level === 5;
  const kind = rng.weighted([
    [10, 'publish'],
    [3, 'ack'],
    [2, 'subscribe'],
    [2, 'unsubscribe'],
    [2, 'pingreq'],
    [1, 'disconnect'],
    [v5 ? 1 : 0, 'auth'],
    [1, 'connect'],
  ] as const);
  switch (kind) {
    case 'publish': {
      const qos = rng.weighted([
        [6, 0],
        [3, 1],
        [1, 2],
      ] as const);
      const body: Field[] = [str(topics.name(rng))];
      if (qos > 0) body.push(u16(id(rng)));
      if (v5) body.push(props(rng, ALLOWED.publish));
      body.push(raw(rng.bytes(rng.int(64))));
      const retain = rng.chance(0.1) ? 1 : 0;
      return { type: 3, flags: (qos << 1) | retain, body };
    }
    case 'ack': {
      const type = rng.pick([4, 5, 6, 7]);
      const body: Field[] = [u16(id(rng))];
      if (v5 && rng.chance(0.5))
        body.push(
          bytes(rng.pick(type >= 6 ? [0x00, 0x92] : [0x00, 0x10, 0x80, 0x87])),
          props(rng, ALLOWED.ack),
        );
      return { type, flags: type === 6 ? 2 : 0, body };
    }
    case 'subscribe': {
      const body: Field[] = [u16(id(rng))];
      if (v5) body.push(props(rng, ALLOWED.subscribe));
      for (let i = 0, n = 1 + rng.int(3); i < n; i++) {
        const options = v5
          ? rng.int(3) | (rng.int(2) << 2) | (rng.int(2) << 3) | (rng.int(3) << 4)
          : rng.int(3);
        body.push(str(topics.filter(rng)), bytes(options));
      }
      return { type: 8, flags: 2, body };
    }
    case 'unsubscribe': {
      const body: Field[] = [u16(id(rng))];
      if (v5) body.push(props(rng, ALLOWED.unsubscribe));
      for (let i = 0, n = 1 + rng.int(3); i < n; i++) body.push(str(topics.filter(rng)));
      return { type: 10, flags: 2, body };
    }
    case 'pingreq':
      return { type: 12, flags: 0, body: [] };
    case 'disconnect':
      return {
        type: 14,
        flags: 0,
        body: v5 ? [bytes(rng.pick([0x00, 0x04])), props(rng, ALLOWED.disconnect)] : [],
      };
    case 'auth':
      return { type: 15, flags: 0, body: [bytes(rng.pick([0x00, 0x18, 0x19])), props(rng, ALLOWED.auth)] };
    case 'connect':
      return connect(rng, level, topics, { clientId: `again-${rng.int(1e9)}`, keepalive: 1, clean: true });
  }
}
