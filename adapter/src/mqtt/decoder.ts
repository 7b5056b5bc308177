import { parser as createParser, type IPublishPacket, type Packet, type Parser } from 'mqtt-packet';
import { remainingLength } from './framer';

/**
 * Turns one whole MQTT packet (as the Framer cuts them) into a packet object.
 * Because every frame is complete, a parse that went well leaves a parser as
 * it found it, so one mqtt-packet parser per protocol level serves every
 * connection: an idle connection then holds no parser, buffer list or copy of
 * its CONNECT. PUBLISH packets of MQTT 3.1 and 3.1.1, the bulk of the
 * traffic, and their acknowledgements are read here directly.
 */
export type Decoded = { packet: Packet } | { error: Error };

/**
 * A parser kept between frames only through mqtt-packet's public interface:
 * it is reused after a frame that came out as exactly one packet with no
 * bytes left over, and replaced after anything else (an error, a throw, a
 * frame read short or long), so no state of a refused frame can reach
 * another connection's. A parser that has read a CONNECT takes that
 * CONNECT's protocol level as its own, so it is replaced too.
 */
class SharedParser {
  private parser: Parser | undefined;
  private result: Decoded | undefined;
  private packets = 0;

  constructor(private readonly protocolVersion: number) {}

  decode(frame: Buffer): Decoded {
    const parser = this.parser ?? this.fresh();
    this.parser = undefined;
    this.result = undefined;
    this.packets = 0;
    let left: number;
    try {
      left = parser.parse(frame);
    } catch (err) {
      return { error: err instanceof Error ? err : new Error(String(err)) };
    }
    const r = this.outcome() ?? { error: new Error('incomplete packet') };
    if (left === 0 && this.packets === 1 && 'packet' in r && r.packet.cmd !== 'connect') this.parser = parser;
    return r;
  }

  /** Read through a call, as the parser's listeners set it behind the type checker's back. */
  private outcome(): Decoded | undefined {
    return this.result;
  }

  private fresh(): Parser {
    const parser = createParser({ protocolVersion: this.protocolVersion });
    parser.on('packet', (packet: Packet) => {
      this.packets++;
      this.result ??= { packet };
    });
    parser.on('error', (error: Error) => (this.result ??= { error }));
    return parser;
  }
}

const parsers = new Map<number, SharedParser>();

function parserFor(level: number): SharedParser {
  let p = parsers.get(level);
  if (!p) {
    p = new SharedParser(level);
    parsers.set(level, p);
  }
  return p;
}

/** `level` is the connection's protocol level, or 0 before its CONNECT. */
export function decode(frame: Buffer, level: number): Decoded {
  if (level !== 5 && level !== 0) {
    const type = frame[0] >> 4;
    const packet = type === 3 ? decodePublishV3(frame) : ACKS[type] ? decodeAckV3(frame) : undefined;
    if (packet) return { packet };
  }
  // The CONNECT parser (level 0) learns each client's level from the packet itself.
  return parserFor(level === 0 ? 4 : level).decode(frame);
}

/** PUBACK, PUBREC and PUBCOMP by packet type; PUBREL has flags of its own and stays with mqtt-packet. */
const ACKS: Record<number, 'puback' | 'pubrec' | 'pubcomp' | undefined> = {
  4: 'puback',
  5: 'pubrec',
  7: 'pubcomp',
};

/** A v3.1/v3.1.1 PUBACK, PUBREC or PUBCOMP, in mqtt-packet's shape; undefined for anything unusual. */
export function decodeAckV3(frame: Buffer): Packet | undefined {
  const cmd = ACKS[frame[0] >> 4];
  if (!cmd || (frame[0] & 0x0f) !== 0 || frame.length !== 4 || frame[1] !== 2) return undefined;
  return {
    cmd,
    retain: false,
    qos: 0,
    dup: false,
    length: 2,
    topic: null,
    payload: null,
    messageId: frame.readUInt16BE(2),
  } as unknown as Packet;
}

/**
 * A v3.1/v3.1.1 PUBLISH, or undefined for anything unusual (QoS 3, a field cut
 * short), which is left to mqtt-packet to refuse with its own message.
 */
export function decodePublishV3(frame: Buffer): IPublishPacket | undefined {
  const flags = frame[0] & 0x0f;
  const qos = (flags >> 1) & 0x03;
  if (qos === 3) return undefined;
  const field = remainingLength(frame, 0);
  if (typeof field === 'string') return undefined;
  const pos = field.headerSize;
  const length = field.value;
  if (pos + length !== frame.length || pos + 2 > frame.length) return undefined;
  const topicEnd = pos + 2 + frame.readUInt16BE(pos);
  const idEnd = qos > 0 ? topicEnd + 2 : topicEnd;
  if (idEnd > frame.length) return undefined;
  const packet: IPublishPacket = {
    cmd: 'publish',
    retain: (flags & 0x01) !== 0,
    qos: qos as 0 | 1 | 2,
    dup: (flags & 0x08) !== 0,
    length,
    topic: frame.toString('utf8', pos + 2, topicEnd),
    payload: frame.subarray(idEnd),
  };
  if (qos > 0) packet.messageId = frame.readUInt16BE(topicEnd);
  return packet;
}
