/**
 * `packet` with its Remaining Length rewritten so that it declares `size` bytes
 * in all [MQTT-2.2.3], followed by only its real body: the start of a packet
 * larger than its fields could ever make (each is at most 65535 bytes), for
 * testing what a server does with a huge declared size before the rest arrives.
 */
export function declaringSize(packet: Buffer, size: number): Buffer {
  let oldHeader = 2;
  while (packet[oldHeader - 1] & 0x80) oldHeader++;
  for (let header = 2; header <= 5; header++) {
    const digits: number[] = [];
    let n = size - header;
    do {
      const digit = n % 128;
      n = Math.floor(n / 128);
      digits.push(n > 0 ? digit | 0x80 : digit);
    } while (n > 0);
    if (digits.length === header - 1)
      return Buffer.concat([Buffer.from([packet[0], ...digits]), packet.subarray(oldHeader)]);
  }
  throw new Error(`no fixed header declares ${size} bytes`);
}
