import { generate, type IPublishPacket, type Packet } from 'mqtt-packet';

/**
 * Packet to bytes. PUBLISH packets of MQTT 3.1 and 3.1.1, the bulk of what is
 * sent, are written here directly; everything else goes to mqtt-packet. A QoS 0
 * PUBLISH carries no packet id, so its bytes are the same for every subscriber
 * of a message: the last one is kept and reused when the same message goes out
 * again (a fan-out delivers one message to many clients in a row).
 */
export function encode(packet: Packet, protocolVersion: number): Buffer {
  if (
    packet.cmd !== 'publish' ||
    protocolVersion === 5 ||
    !Buffer.isBuffer(packet.payload) ||
    (packet.qos > 0 && !packet.messageId)
  )
    return generate(packet, { protocolVersion });
  if (packet.qos === 0) return encodeQos0(packet as IPublishPacket & { payload: Buffer });
  return encodePublishV3(packet as IPublishPacket & { payload: Buffer });
}

let lastPayload: Buffer | undefined;
let lastTopic = '';
let lastFirstByte = 0;
let lastBytes: Buffer = Buffer.alloc(0);

function encodeQos0(p: IPublishPacket & { payload: Buffer }): Buffer {
  const first = firstByte(p);
  if (p.payload === lastPayload && p.topic === lastTopic && first === lastFirstByte) return lastBytes;
  lastBytes = encodePublishV3(p);
  lastPayload = p.payload;
  lastTopic = p.topic;
  lastFirstByte = first;
  return lastBytes;
}

function firstByte(p: IPublishPacket): number {
  return 0x30 | (p.dup ? 0x08 : 0) | (p.qos << 1) | (p.retain ? 0x01 : 0);
}

/** A v3.1/v3.1.1 PUBLISH: fixed header, topic, packet id when QoS > 0, payload. */
export function encodePublishV3(p: IPublishPacket & { payload: Buffer }): Buffer {
  const topicLength = Buffer.byteLength(p.topic, 'utf8');
  const remaining = 2 + topicLength + (p.qos > 0 ? 2 : 0) + p.payload.length;
  let lengthBytes = 1;
  for (let r = remaining; r >= 128; r = Math.floor(r / 128)) lengthBytes++;
  const out = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  out[0] = firstByte(p);
  let pos = 1;
  let r = remaining;
  do {
    let byte = r % 128;
    r = Math.floor(r / 128);
    if (r > 0) byte |= 0x80;
    out[pos++] = byte;
  } while (r > 0);
  out.writeUInt16BE(topicLength, pos);
  pos += 2;
  pos += out.write(p.topic, pos, 'utf8');
  if (p.qos > 0) {
    out.writeUInt16BE(p.messageId ?? 0, pos);
    pos += 2;
  }
  p.payload.copy(out, pos);
  return out;
}
