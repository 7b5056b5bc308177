import { fork } from 'node:child_process';
import * as net from 'node:net';
import * as amqp from 'amqplib';
import { delay } from '../../test/integration/helpers/wait';
import { rabbitAllocatedBytes, rssBytes } from '../proc/memory';

/**
 * `node build/bench/profile/floors.js [sockets|rabbitmq] [N] [QUEUE_VERSION]`: what the parts
 * the adapter is built from cost before the adapter adds anything, to set the
 * idle-memory figures against.
 *
 * - sockets: a Node process that accepts N TCP connections and only holds
 *   them (RSS growth per socket);
 * - rabbitmq: N durable queues with one binding, one channel with a consumer
 *   per queue, and N consumers on one shared channel (RabbitMQ's memory after
 *   `rabbitmqctl force_gc`, as the benchmark reads it, per object); with
 *   QUEUE_VERSION (1 or 2), the queues are declared with that
 *   `x-queue-version`, to compare classic queue versions.
 */

function holdSockets(): void {
  const held: net.Socket[] = [];
  const server = net.createServer((s) => {
    held.push(s);
    s.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as net.AddressInfo).port));
}

async function sockets(n: number): Promise<void> {
  const child = fork(__filename, ['hold']);
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(m as number)));
  await delay(500);
  const before = rssBytes(child.pid as number);
  const socks: net.Socket[] = [];
  for (let i = 0; i < n; i += 200) {
    await Promise.all(
      Array.from(
        { length: Math.min(200, n - i) },
        (_, j) =>
          new Promise<void>((resolve, reject) => {
            const s = net.connect(
              { port, host: '127.0.0.1', localAddress: `127.0.0.${2 + ((i + j) % 200)}` },
              () => {
                s.write(Buffer.alloc(30));
                resolve();
              },
            );
            s.on('error', reject);
            socks.push(s);
          }),
      ),
    );
  }
  await delay(3000);
  const after = rssBytes(child.pid as number);
  console.log(
    `node ${process.version}: ${((after - before) / n / 1024).toFixed(2)} KiB RSS per idle TCP socket held (${n} sockets)`,
  );
  for (const s of socks) s.destroy();
  child.kill();
}

async function rabbitmq(n: number, version: number | undefined): Promise<void> {
  const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672');
  const ch = await conn.createChannel();
  const names = Array.from({ length: n }, (_, i) => `floors-${process.pid}-${i}`);
  const perObject = (a: number, b: number): string => `${((b - a) / n / 1024).toFixed(2)} KiB`;
  try {
    const m0 = await rabbitAllocatedBytes();
    for (const q of names) {
      const args: Record<string, unknown> = { 'x-expires': 600_000 };
      if (version !== undefined) args['x-queue-version'] = version;
      await ch.assertQueue(q, { durable: true, arguments: args });
      await ch.bindQueue(q, 'amq.topic', `${q}.t`);
    }
    await delay(3000);
    const m1 = await rabbitAllocatedBytes();
    const own: amqp.Channel[] = [];
    for (const q of names) {
      const c = await conn.createChannel();
      await c.prefetch(64);
      await c.consume(q, () => undefined);
      own.push(c);
    }
    await delay(3000);
    const m2 = await rabbitAllocatedBytes();
    for (const c of own) await c.close();
    const shared = await conn.createChannel();
    await shared.prefetch(64);
    await delay(2000);
    const m3 = await rabbitAllocatedBytes();
    for (const q of names) await shared.consume(q, () => undefined);
    await delay(3000);
    const m4 = await rabbitAllocatedBytes();
    console.log(
      `RabbitMQ, ${n} of each, per object${version === undefined ? '' : `, classic queue version ${version}`}:`,
    );
    console.log(`  durable queue with one binding: ${perObject(m0, m1)}`);
    console.log(`  channel of its own with one consumer: ${perObject(m1, m2)}`);
    console.log(`  consumer on a shared channel: ${perObject(m3, m4)}`);
  } finally {
    for (const q of names) await ch.deleteQueue(q).catch(() => undefined);
    await conn.close();
  }
}

async function main(): Promise<void> {
  const [what, count, version] = process.argv.slice(2);
  if (what === 'hold') return holdSockets();
  const n = Number(count ?? (what === 'rabbitmq' ? 2000 : 8000));
  if (what === 'sockets') await sockets(n);
  else if (what === 'rabbitmq') await rabbitmq(n, version === undefined ? undefined : Number(version));
  else throw new Error('usage: floors.js sockets|rabbitmq [N] [QUEUE_VERSION]');
}

void main();
