import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import * as amqp from 'amqplib';
import { corkFrameWrites } from '../../../adapter/src/amqp/cork';
import { uniqueId } from '../helpers/adapter';

/** Counts the writes that reach the socket (each one a syscall on an uncorked TCP socket). */
function countWrites(model: amqp.ChannelModel): () => number {
  const socket = (model as unknown as { connection: { stream: Duplex } }).connection.stream as Duplex & {
    _write: (...a: unknown[]) => void;
    _writev?: (...a: unknown[]) => void;
  };
  let n = 0;
  const write = socket._write.bind(socket);
  socket._write = (...a: unknown[]) => {
    n++;
    write(...a);
  };
  const writev = socket._writev?.bind(socket);
  if (writev)
    socket._writev = (...a: unknown[]) => {
      n++;
      writev(...a);
    };
  return () => n;
}

async function publishBurst(cork: boolean): Promise<{ writes: number; received: string[] }> {
  const model = await amqp.connect('amqp://guest:guest@127.0.0.1:5672', { noDelay: true });
  try {
    if (cork) assert.equal(corkFrameWrites(model), true, 'amqplib internals not as expected');
    const writes = countWrites(model);
    const ch = await model.createChannel();
    const q = uniqueId('cork');
    await ch.assertQueue(q, { exclusive: true });
    const received: string[] = [];
    const all = new Promise<void>((resolve) => {
      void ch.consume(
        q,
        (m) => {
          if (m) received.push(m.content.toString());
          if (received.length === 200) resolve();
        },
        { noAck: true },
      );
    });
    await new Promise((r) => setTimeout(r, 50));
    const before = writes();
    for (let i = 0; i < 200; i++) ch.sendToQueue(q, Buffer.from(`m${i}`));
    await all;
    return { writes: writes() - before, received };
  } finally {
    await model.close();
  }
}

describe('amqp-side: AMQP frames written together', function () {
  it('sends the publishes of one tick in a few socket writes, in order', async function () {
    const expected = Array.from({ length: 200 }, (_, i) => `m${i}`);
    const plain = await publishBurst(false);
    const corked = await publishBurst(true);
    assert.deepEqual(plain.received, expected);
    assert.deepEqual(corked.received, expected);
    // Uncorked, amqplib writes each frame on its own; the comparison shows the count measures that.
    assert.ok(plain.writes >= 100, `uncorked: ${plain.writes} writes`);
    assert.ok(corked.writes <= 10, `corked: ${corked.writes} writes for 200 publishes`);
  });
});
