import { isUtf8 } from 'node:buffer';

/** What a string field holds: well-formed, ill-formed (or U+0000), or cut short by the frame's end. */
export type FieldCheck = 'ok' | 'bad' | 'short';

type PropertyType = 'byte' | 'two' | 'four' | 'varint' | 'string' | 'binary' | 'pair';

/** The MQTT 5 properties by identifier, with how each is encoded (section 2.2.2.2). */
const PROPERTY_TYPES: ReadonlyMap<number, PropertyType> = new Map([
  [0x01, 'byte'],
  [0x02, 'four'],
  [0x03, 'string'],
  [0x08, 'string'],
  [0x09, 'binary'],
  [0x0b, 'varint'],
  [0x11, 'four'],
  [0x12, 'string'],
  [0x13, 'two'],
  [0x15, 'string'],
  [0x16, 'binary'],
  [0x17, 'byte'],
  [0x18, 'four'],
  [0x19, 'byte'],
  [0x1a, 'string'],
  [0x1c, 'string'],
  [0x1f, 'string'],
  [0x21, 'two'],
  [0x22, 'two'],
  [0x23, 'two'],
  [0x24, 'byte'],
  [0x25, 'byte'],
  [0x26, 'pair'],
  [0x27, 'four'],
  [0x28, 'byte'],
  [0x29, 'byte'],
  [0x2a, 'byte'],
]);

const FIXED_SIZE: Partial<Record<PropertyType, number>> = { byte: 1, two: 2, four: 4 };

/**
 * Walks the variable header and payload of one frame, checking strings
 * without decoding them: a string must be well-formed UTF-8 [MQTT-1.5.4-1]
 * and hold no U+0000 [MQTT-1.5.4-2].
 */
export class FieldReader {
  private pos = 1;

  constructor(private readonly frame: Buffer) {
    while (this.pos < frame.length && (frame[this.pos] & 0x80) !== 0) this.pos++;
    this.pos++; // past the remaining length
  }

  get done(): boolean {
    return this.pos >= this.frame.length;
  }

  skip(n: number): void {
    this.pos += n;
  }

  byte(): number | undefined {
    return this.pos < this.frame.length ? this.frame[this.pos++] : undefined;
  }

  /** A length-prefixed field's bytes, or undefined when the frame ends first. */
  binary(): Buffer | undefined {
    if (this.pos + 2 > this.frame.length) return undefined;
    const end = this.pos + 2 + this.frame.readUInt16BE(this.pos);
    if (end > this.frame.length) return undefined;
    const bytes = this.frame.subarray(this.pos + 2, end);
    this.pos = end;
    return bytes;
  }

  string(): FieldCheck {
    const bytes = this.binary();
    if (!bytes) return 'short';
    return isUtf8(bytes) && !bytes.includes(0) ? 'ok' : 'bad';
  }

  /**
   * An MQTT 5 property list: 'bad' if a string in it (a User Property's name
   * or value among them) is; 'short' when it is cut short or holds an
   * identifier we do not know, which the parser reports.
   */
  properties(): FieldCheck {
    const length = this.varint();
    if (length === undefined || this.pos + length > this.frame.length) return 'short';
    const end = this.pos + length;
    while (this.pos < end) {
      const type = PROPERTY_TYPES.get(this.frame[this.pos++]);
      const check = type === undefined ? 'short' : this.property(type);
      if (check !== 'ok') return check;
    }
    return this.pos === end ? 'ok' : 'short';
  }

  private property(type: PropertyType): FieldCheck {
    const size = FIXED_SIZE[type];
    if (size !== undefined) {
      this.pos += size;
      return 'ok';
    }
    if (type === 'varint') return this.varint() === undefined ? 'short' : 'ok';
    if (type === 'binary') return this.binary() ? 'ok' : 'short';
    const first = this.string();
    return type === 'pair' && first === 'ok' ? this.string() : first;
  }

  /** A Variable Byte Integer [MQTT-1.5.5-1], or undefined when cut short or longer than four bytes. */
  private varint(): number | undefined {
    let value = 0;
    for (let i = 0; i < 4; i++) {
      const b = this.byte();
      if (b === undefined) return undefined;
      value += (b & 0x7f) * 128 ** i;
      if ((b & 0x80) === 0) return value;
    }
    return undefined;
  }
}
