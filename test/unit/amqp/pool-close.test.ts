import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import type * as amqp from 'amqplib';
import { PooledConnection } from '../../../adapter/src/amqp/pool';
import { Room } from '../../../adapter/src/amqp/pool-room';
import { createMetrics } from '../../../adapter/src/observability/metrics';

const CLOSE_TIMEOUT_MS = 50;

/** An amqplib connection whose close RabbitMQ never answers; its socket is what amqplib keeps as `stream`. */
class SilentModel extends EventEmitter {
  readonly connection = {
    stream: { destroyedWith: undefined as Error | undefined, destroy: (_e: Error) => {} },
  };
  constructor() {
    super();
    this.connection.stream.destroy = (err: Error): void => {
      this.connection.stream.destroyedWith = err;
    };
  }
  close(): Promise<void> {
    return new Promise(() => undefined);
  }
}

describe('pooled connection: a close RabbitMQ never answers', () => {
  it('destroys the socket at the close timeout and counts the connection as gone', async () => {
    const model = new SilentModel();
    let forgotten = 0;
    const conn = new PooledConnection(
      'k',
      { vhost: '/', user: 'u', password: 'p' },
      0,
      model as unknown as amqp.ChannelModel,
      new Room(10),
      createMetrics().amqp,
      () => forgotten++,
      CLOSE_TIMEOUT_MS,
      5000,
      30_000,
    );
    let lost = 0;
    conn.on('lost', () => lost++);
    const started = Date.now();
    const closed = conn.close();
    const settled = await Promise.race([
      closed.then(() => 'closed'),
      new Promise((r) => setTimeout(() => r('still waiting'), 20 * CLOSE_TIMEOUT_MS)),
    ]);
    assert.equal(settled, 'closed');
    assert.ok(Date.now() - started >= CLOSE_TIMEOUT_MS - 5, 'not before the timeout');
    assert.match(String(model.connection.stream.destroyedWith?.message), /did not answer the close/);
    assert.ok(conn.isClosed);
    assert.equal(forgotten, 1, 'the pool forgets it');
    assert.equal(lost, 1, 'its clients hear it is lost');
  });
});
