import fc from 'fast-check';

/** A string of at most `max` UTF-8 bytes, multi-byte characters included. */
export const shortstr = (max: number): fc.Arbitrary<string> =>
  fc.string({ unit: 'grapheme', maxLength: max }).filter((s) => Buffer.byteLength(s) <= max);

/** A headers table of the value types MQTT user properties and the adapter's own headers take. */
export const headerTable: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  shortstr(20),
  fc.oneof(
    fc.integer(),
    fc.string(),
    fc.boolean(),
    fc.uint8Array().map((a) => Buffer.from(a)),
  ),
);
