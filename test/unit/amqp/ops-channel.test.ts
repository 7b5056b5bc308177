import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import type * as amqp from 'amqplib';
import { PooledConnection } from '../../../adapter/src/amqp/pool';
import { Room } from '../../../adapter/src/amqp/pool-room';
import { createMetrics } from '../../../adapter/src/observability/metrics';

class FakeChannel extends EventEmitter {
  close(): Promise<void> {
    return Promise.resolve();
  }
}

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
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Past the connection's delay before it opens a channel ahead (20 ms). */
const SPARE_WAIT_MS = 40;

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

  it("opens none until a client asks, then one ahead for the next after the first one's frames are out", async () => {
    assert.equal(model.opened.length, 0);
    const first = await conn.takeOpsChannel();
    assert.equal(model.opened.length, 1, "only the first client's own at once");
    assert.equal(first, model.opened[0]);
    await sleep(SPARE_WAIT_MS);
    assert.equal(model.opened.length, 2, 'one ahead for the next');
    const second = await conn.takeOpsChannel();
    assert.equal(second, model.opened[1], 'the second gets the one opened ahead');
    assert.equal(second.listenerCount('error'), 0, "the connection's listeners are off it once taken");
    assert.equal(second.listenerCount('close'), 1, 'only the channel count keeps listening');
  });

  it("keeps a leaving client's channel for the next client instead of opening one", async () => {
    const first = await conn.takeOpsChannel();
    const listening = first.listenerCount('error') + first.listenerCount('close');
    assert.equal(conn.giveBackOpsChannel(first), true);
    await sleep(SPARE_WAIT_MS);
    assert.equal(model.opened.length, 1, 'none opened while one given back is kept');
    const second = await conn.takeOpsChannel();
    assert.equal(second, first);
    assert.equal(second.listenerCount('error') + second.listenerCount('close'), listening);
  });

  it('takes back no channel when it keeps one, or once closing', async () => {
    const first = await conn.takeOpsChannel();
    await sleep(SPARE_WAIT_MS);
    assert.equal(conn.giveBackOpsChannel(first), false, 'one is kept ahead already');
    const second = await conn.takeOpsChannel();
    await conn.close();
    assert.equal(conn.giveBackOpsChannel(second), false, 'closing');
  });

  it('forgets a channel kept ready that RabbitMQ closed', async () => {
    await conn.takeOpsChannel();
    await sleep(SPARE_WAIT_MS);
    const ahead = model.opened[1];
    ahead.emit('error', new Error('CHANNEL_ERROR'));
    ahead.emit('close');
    const next = await conn.takeOpsChannel();
    assert.notEqual(next, ahead);
  });

  it('opens none ahead once the connection is closing', async () => {
    await conn.close();
    await turn();
    await conn.takeOpsChannel();
    await sleep(SPARE_WAIT_MS);
    assert.equal(model.opened.length, 1);
  });
});
