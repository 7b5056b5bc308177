import { amqplibModule } from '../../adapter/src/amqp/amqplib-internals';
import { DeliveryReader } from '../../adapter/src/amqp/delivery-reader';
import { publishOptions, toDelivery } from '../../adapter/src/amqp/message';
import { memoryConnection } from '../../test/unit/amqp/memory-connection';

/**
 * `node build/bench/profile/deliver-decode.js [ROUNDS]`: CPU microseconds per
 * delivery from the bytes RabbitMQ sends to the adapter's `Delivery`, through
 * a real amqplib connection and channel over an in-memory stream, with
 * amqplib's decoding and with DeliveryReader's, in alternating rounds so both
 * share the machine's load. Plain QoS 0 messages and QoS 1 ones (with a
 * headers table), 64-byte bodies, 32 deliveries per read.
 */

const defs = amqplibModule('defs') as unknown as {
  encodeMethod(id: number, channel: number, fields: unknown): Buffer;
  encodeProperties(id: number, channel: number, size: number, fields: unknown): Buffer;
  BasicDeliver: number;
  BasicProperties: number;
};
const frame = amqplibModule('frame') as unknown as {
  makeBodyFrame(channel: number, payload: Buffer): Buffer;
};
const PER_READ = 32;
const READS = 500;

function reads(qos: 0 | 1): Buffer {
  const body = Buffer.alloc(64, 0x61);
  const one = (tag: number): Buffer =>
    Buffer.concat([
      defs.encodeMethod(defs.BasicDeliver, 1, {
        consumerTag: 'amq.ctag-bench',
        deliveryTag: tag,
        redelivered: false,
        exchange: 'amq.topic',
        routingKey: 'bench.topic.1',
      }),
      defs.encodeProperties(defs.BasicProperties, 1, body.length, publishOptions(qos)),
      frame.makeBodyFrame(1, body),
    ]);
  return Buffer.concat(Array.from({ length: PER_READ }, (_, i) => one(i + 1)));
}

/** CPU microseconds per delivery for READS reads of `chunk`. */
async function round(chunk: Buffer, ours: boolean): Promise<number> {
  const m = memoryConnection();
  const ch = m.channel();
  let n = 0;
  let sink = 0;
  ch.registerConsumer('amq.ctag-bench', (msg) => {
    n++;
    sink += toDelivery(msg).payload.length;
  });
  if (ours && !(DeliveryReader.install(m.model) && DeliveryReader.take(ch)))
    throw new Error("amqplib's internals are not as the reader expects");
  m.start();
  const start = process.cpuUsage();
  for (let i = 0; i < READS; i++) {
    m.push(chunk);
    await new Promise((r) => setImmediate(r));
  }
  const used = process.cpuUsage(start);
  if (n !== READS * PER_READ || sink !== n * 64) throw new Error(`delivered ${n} of ${READS * PER_READ}`);
  m.destroy();
  return (used.user + used.system) / n;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 20);
  for (const qos of [0, 1] as const) {
    const chunk = reads(qos);
    const results: Record<'amqplib' | 'reader', number[]> = { amqplib: [], reader: [] };
    for (let i = 0; i < rounds; i++) {
      results.amqplib.push(await round(chunk, false));
      results.reader.push(await round(chunk, true));
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    process.stdout.write(
      `QoS ${qos}: CPU µs per delivery, median of ${rounds}: amqplib ${median(results.amqplib).toFixed(2)}, reader ${median(results.reader).toFixed(2)}\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
