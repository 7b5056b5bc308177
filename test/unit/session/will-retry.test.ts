import { strict as assert } from 'node:assert';
import pino from 'pino';
import { createMetrics } from '../../../adapter/src/observability/metrics';
import { BrokerError } from '../../../adapter/src/ports/broker';
import type { StoredWill } from '../../../adapter/src/ports/will-store';
import { WillPublisher } from '../../../adapter/src/session/will-publisher';
import { SessionRig } from '../../support/session-rig';

const will: StoredWill = {
  topic: 'will/t',
  payload: Buffer.from('gone'),
  qos: 1,
  retain: false,
  delaySeconds: 0,
};
const GUEST = { vhost: '/', user: 'guest', password: 'guest' };

describe('a will RabbitMQ did not take is published again', () => {
  let rig: SessionRig;
  let metrics: ReturnType<typeof createMetrics>;
  let pauses: number[];
  let wills: WillPublisher;
  const value = async (c: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> =>
    (await c.get()).values.reduce((s, v) => s + v.value, 0);

  beforeEach(() => {
    rig = new SessionRig();
    metrics = createMetrics();
    pauses = [];
    const pause = (ms: number): Promise<void> => {
      pauses.push(ms);
      return Promise.resolve();
    };
    wills = new WillPublisher(
      rig.config,
      rig.broker,
      rig.stores.retained,
      metrics,
      pino({ level: 'silent' }),
      pause,
    );
    wills.remember('c', GUEST);
  });

  it('after a nack (a queue whose leader went), on a fresh login, and reaches the subscriber once', async () => {
    const sub = await rig.connect('watcher');
    await rig.subscribe(sub, 'will/#', 1);
    rig.broker.confirms.hold();
    const done = wills.publish('c', will, 'connection');
    await rig.broker.confirms.waitHeld(1);
    rig.broker.confirms.fail(new BrokerError('nacked', 'message nacked'));
    await rig.broker.confirms.waitHeld(1);
    rig.broker.confirms.release();
    await done;
    const p = await sub.pipe.next('publish');
    assert.equal(p.payload.toString(), 'gone');
    assert.deepEqual(pauses, [250]);
    assert.equal(await value(metrics.willRetries), 1);
    assert.equal(await value(metrics.willsPublished), 1);
    assert.equal(await value(metrics.willsFailed), 0);
    assert.deepEqual(sub.pipe.unread, []);
  });

  it('not after a refusal, which every attempt would meet', async () => {
    rig.broker.confirms.hold();
    const done = wills.publish('c', will, 'connection');
    await rig.broker.confirms.waitHeld(1);
    rig.broker.confirms.fail(new BrokerError('access-refused', 'ACCESS_REFUSED', 403));
    await done;
    assert.deepEqual(pauses, []);
    assert.equal(await value(metrics.willsFailed), 1);
  });

  it('gives up after about 20 s of pauses, doubling from 250 ms to 4 s', async () => {
    rig.broker.confirms.hold();
    const nacking = setInterval(() => rig.broker.confirms.fail(new Error('channel closed')), 1);
    try {
      await wills.publish('c', will, 'connection');
    } finally {
      clearInterval(nacking);
    }
    assert.deepEqual(pauses, [250, 500, 1000, 2000, 4000, 4000, 4000, 4000]);
    assert.equal(await value(metrics.willsFailed), 1);
    assert.equal(await value(metrics.willsPublished), 0);
  });
});
