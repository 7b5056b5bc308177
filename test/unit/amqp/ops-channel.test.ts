import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import type * as amqp from 'amqplib';
import { PooledConnection } from '../../../adapter/src/amqp/pool';
import { Room } from '../../../adapter/src/amqp/pool-room';
import { createMetrics } from '../../../adapter/src/observability/metrics';

class FakeChannel extends EventEmitter {}

/** Just what PooledConnection uses of an amqplib connection: its events, channels and close. */
class FakeModel extends EventEmitter {
  readonly opened: FakeChannel[] = [];
  createChannel(): Promise<FakeChannel> {
    const ch = new FakeChannel();
    this.opened.push(ch);
    return Promise.resolve(ch);
  }
  close(): Promise<void> {
    setImmediate(() => this.emit('close'));
    return Promise.resolve();
  }
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('pooled connection: a declare/bind channel opened ahead for the next client', () => {
  let model: FakeModel;
  let conn: PooledConnection;
  beforeEach(() => {
    model = new FakeModel();
    conn = new PooledConnection(
      'k',
      { vhost: '/', user: 'u', password: 'p' },
      0,
      model as unknown as amqp.ChannelModel,
      new Room(10),
      createMetrics().amqp,
      () => undefined,
      5000,
      5000,
      30_000,
    );
  });
  afterEach(() => conn.close());

  it('opens none until a client asks, then hands the one kept ready to the next and opens another', async () => {
    assert.equal(model.opened.length, 0);
    const first = await conn.takeOpsChannel();
    assert.equal(model.opened.length, 2, "the first client's own and one ahead");
    assert.equal(first, model.opened[1], 'the first waits for its own');
    const second = await conn.takeOpsChannel();
    assert.equal(second, model.opened[0], 'the second gets the one opened ahead');
    assert.equal(model.opened.length, 3);
  });

  it('forgets a channel kept ready that RabbitMQ closed', async () => {
    await conn.takeOpsChannel();
    await turn();
    const ahead = model.opened[0];
    ahead.emit('error', new Error('CHANNEL_ERROR'));
    ahead.emit('close');
    const next = await conn.takeOpsChannel();
    assert.notEqual(next, ahead);
  });

  it('opens none ahead once the connection is closing', async () => {
    await conn.close();
    await turn();
    await conn.takeOpsChannel();
    assert.equal(model.opened.length, 1);
  });
});
