import { performance } from 'node:perf_hooks';
import { generate } from 'mqtt-packet';
import { Framer } from '../../adapter/src/mqtt/framer';

/**
 * `node build/bench/profile/framer.js [rounds]`: the framer's own cost, with no
 * socket or parser around it, on the two shapes of input that matter:
 *
 * - big: one 16 MiB PUBLISH arriving in 64 KiB chunks (a large packet must cost
 *   time linear in its size, not in its size times its chunk count);
 * - small: 64-byte PUBLISHes packed back to back in 64 KiB chunks, packets
 *   straddling chunk edges (the common case: many frames per chunk).
 *
 * Prints the median and the fastest of `rounds` runs of each (the fastest is
 * the steadier figure on a shared machine).
 */

const CHUNK = 64 * 1024;
const MAX = 268435455;

function chunked(stream: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  // Copies, as a socket hands over fresh buffers.
  for (let i = 0; i < stream.length; i += CHUNK) chunks.push(Buffer.from(stream.subarray(i, i + CHUNK)));
  return chunks;
}

function publish(payloadBytes: number): Buffer {
  return generate({
    cmd: 'publish',
    topic: 'bench/framer',
    payload: Buffer.alloc(payloadBytes, 1),
    qos: 0,
    retain: false,
    dup: false,
  });
}

/** Milliseconds to frame `chunks`; throws unless exactly `expected` frames came out. */
function frameAll(chunks: Buffer[], expected: number): number {
  const framer = new Framer(MAX);
  let frames = 0;
  const start = performance.now();
  for (const c of chunks) {
    const r = framer.push(c);
    if (r.problem) throw new Error(`framer refused the stream: ${r.problem.kind}`);
    frames += r.frames.length;
  }
  const ms = performance.now() - start;
  if (frames !== expected) throw new Error(`expected ${expected} frames, got ${frames}`);
  return ms;
}

function summary(xs: number[]): { median: number; min: number; text: string } {
  const s = [...xs].sort((a, b) => a - b);
  const median = s[Math.floor(s.length / 2)];
  return { median, min: s[0], text: `median ${median.toFixed(1)} ms, min ${s[0].toFixed(1)} ms` };
}

function main(): void {
  const rounds = Number(process.argv[2] ?? 7);
  const big = publish(16 * 1024 * 1024 - 32);
  const bigChunks = chunked(big);
  const one = publish(64 - 16);
  const count = 500_000;
  const smallChunks = chunked(Buffer.concat(Array.from({ length: count }, () => one)));

  frameAll(smallChunks, count); // warm-up
  const bigMs = summary(Array.from({ length: rounds }, () => frameAll(bigChunks, 1)));
  const smallMs = summary(Array.from({ length: rounds }, () => frameAll(smallChunks, count)));
  console.log(
    `big: one ${(big.length / 2 ** 20).toFixed(0)} MiB packet in ${bigChunks.length} chunks of 64 KiB: ${bigMs.text} (${rounds} rounds)`,
  );
  console.log(
    `small: ${count} packets of ${one.length} B in ${smallChunks.length} chunks: ${smallMs.text}, ` +
      `${(count / smallMs.min / 1000).toFixed(2)} M packets/s at best (${rounds} rounds)`,
  );
}

main();
