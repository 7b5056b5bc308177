/**
 * The bench payload: a fixed-size buffer whose first bytes say when the message
 * was scheduled to leave, who sent it and its sequence number, so a receiver
 * measures latency from the schedule and counts loss and duplicates.
 */
export const PAYLOAD_SIZE = 100;

const AT = 0; // float64: scheduled send time, microseconds on the monotonic clock
const PUBLISHER = 8; // uint32: publisher number, unique within a run
const SEQ = 12; // uint32: per-publisher sequence number, from 0
const STEP = 16; // uint32: load step the message belongs to

export interface Stamp {
  readonly scheduledUs: number;
  readonly publisher: number;
  readonly seq: number;
  readonly step: number;
}

/** Writes a stamp into `buf` at `offset` (where the payload starts). */
export function writeStamp(buf: Buffer, offset: number, s: Stamp): void {
  buf.writeDoubleLE(s.scheduledUs, offset + AT);
  buf.writeUInt32LE(s.publisher, offset + PUBLISHER);
  buf.writeUInt32LE(s.seq, offset + SEQ);
  buf.writeUInt32LE(s.step, offset + STEP);
}

/** Reads the stamp of a payload; undefined for a payload too short to carry one. */
export function readStamp(buf: Buffer, offset = 0): Stamp | undefined {
  if (buf.length - offset < STEP + 4) return undefined;
  return {
    scheduledUs: buf.readDoubleLE(offset + AT),
    publisher: buf.readUInt32LE(offset + PUBLISHER),
    seq: buf.readUInt32LE(offset + SEQ),
    step: buf.readUInt32LE(offset + STEP),
  };
}

/** The monotonic clock in microseconds; the same clock in every process of the machine. */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
