import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import type * as amqp from 'amqplib';
import { ReadyQueues, readyQueueNames, type ReadyHost } from '../../../adapter/src/amqp/ready-queues';
import { queueNameFor } from '../../../adapter/src/session/subscriptions';

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const refusal = (): Error =>
  Object.assign(new Error('Operation failed: 403 (ACCESS-REFUSED)'), { code: 403 });

/** RabbitMQ's side of the channels ReadyQueues opens, played by the test: what each channel was asked. */
class Rabbit {
  readonly queues = new Set<string>();
  readonly asked: string[] = [];
  channels = 0;
  open = 0;
  refuse: 'declare' | 'purge' | undefined;
  /** Declares wait for `release` while set. */
  hold = false;
  private held: (() => void)[] = [];

  channel(): amqp.Channel {
    this.channels++;
    this.open++;
    const ch = new EventEmitter() as EventEmitter & Record<string, unknown>;
    let closed = false;
    ch.assertQueue = async (name: string) => {
      this.asked.push(`declare ${name}`);
      if (this.hold) await new Promise<void>((r) => this.held.push(r));
      if (this.refuse === 'declare') throw refusal();
      this.queues.add(name);
      return { queue: name };
    };
    ch.purgeQueue = (name: string) => {
      this.asked.push(`purge ${name}`);
      return this.refuse === 'purge' ? Promise.reject(refusal()) : Promise.resolve({ messageCount: 0 });
    };
    ch.deleteQueue = (name: string) => {
      this.asked.push(`delete ${name}`);
      this.queues.delete(name);
      return Promise.resolve({ messageCount: 0 });
    };
    ch.close = () => {
      if (!closed) this.open--;
      closed = true;
      return Promise.resolve();
    };
    return ch as unknown as amqp.Channel;
  }

  release(): void {
    for (const r of this.held.splice(0)) r();
  }
}

class Host extends EventEmitter implements ReadyHost {
  isClosed = false;
  constructor(private readonly rabbit: Rabbit) {
    super();
  }
  openChannel(): Promise<amqp.Channel> {
    return Promise.resolve(this.rabbit.channel());
  }
  lose(): void {
    this.isClosed = true;
    this.emit('lost');
  }
}

function setUp(
  size: number,
  rpcTimeoutMs = 1000,
): { rabbit: Rabbit; host: Host; ready: ReadyQueues; refusals: Error[] } {
  const rabbit = new Rabbit();
  const host = new Host(rabbit);
  const refusals: Error[] = [];
  const names = readyQueueNames('pod-1', 'abc');
  const ready = new ReadyQueues(host, size, names, rpcTimeoutMs, (err) => refusals.push(err), 5);
  return { rabbit, host, ready, refusals };
}

describe('amqp/ready-queues', () => {
  it('names queues under the plugin prefix, each apart, and never as a client id would be', () => {
    const next = readyQueueNames('pod-1', 'abc');
    const names = Array.from({ length: 1000 }, next);
    assert.equal(names[0], 'mqtt-subscription-ready-pod-1-abc-1');
    assert.equal(new Set(names).size, names.length);
    for (const n of names) {
      assert.ok(n.startsWith('mqtt-subscription-'), n);
      assert.ok(!n.endsWith('qos1'), n);
    }
    assert.ok(queueNameFor('x').endsWith('qos1'));
    assert.notEqual(readyQueueNames('pod-1')(), readyQueueNames('pod-1')(), 'a random part per connection');
  });

  it('declares up to its size one at a time at the first take that finds none, each read-checked', async () => {
    const { rabbit, ready } = setUp(2);
    assert.equal(ready.take(), undefined, 'none before the first take');
    await ready.filled;
    assert.deepEqual(rabbit.asked, [
      'declare mqtt-subscription-ready-pod-1-abc-1',
      'purge mqtt-subscription-ready-pod-1-abc-1',
      'declare mqtt-subscription-ready-pod-1-abc-2',
      'purge mqtt-subscription-ready-pod-1-abc-2',
    ]);
    assert.equal(rabbit.channels, 1, 'on one channel');
    assert.equal(ready.take(), 'mqtt-subscription-ready-pod-1-abc-1');
    await ready.filled;
    assert.equal(ready.count, 1, "nothing declared beside the taker's bind");
    ready.replenishSoon();
    ready.replenishSoon();
    await settle();
    assert.equal(ready.count, 1, 'nor right after it');
    await pause(20);
    await ready.filled;
    assert.equal(ready.count, 2, 'a replacement declared a moment after the taker says');
    assert.equal(rabbit.asked.length, 6, 'one replacement, however many asked');
    assert.equal(rabbit.channels, 1, 'on the same channel');
    assert.equal(ready.take(), 'mqtt-subscription-ready-pod-1-abc-2');
  });

  it('declares one at a time however many are taken at once', async () => {
    const { rabbit, ready } = setUp(3);
    rabbit.hold = true;
    ready.take();
    ready.replenishSoon();
    await pause(20);
    ready.replenishSoon();
    await pause(20);
    assert.equal(rabbit.asked.length, 1, 'one declare under way');
    assert.equal(rabbit.channels, 1);
    rabbit.hold = false;
    rabbit.release();
    await ready.filled;
    assert.equal(ready.count, 3);
  });

  for (const refuse of ['declare', 'purge'] as const) {
    it(`stops for good when RabbitMQ refuses the ${refuse}, leaving no queue`, async () => {
      const { rabbit, ready, refusals } = setUp(2);
      rabbit.refuse = refuse;
      ready.take();
      await ready.filled;
      assert.equal(refusals.length, 1);
      assert.ok(ready.off);
      assert.deepEqual([...rabbit.queues], [], 'what was declared is deleted');
      assert.equal(rabbit.open, 0, 'no channel left open');
      rabbit.refuse = undefined;
      const asked = rabbit.asked.length;
      assert.equal(ready.take(), undefined);
      await ready.filled;
      assert.equal(rabbit.asked.length, asked, 'nothing more is declared');
    });
  }

  it('gives up a declare past its deadline, deletes the name on a fresh channel, and tries again at the next take', async () => {
    const { rabbit, ready, refusals } = setUp(1, 20);
    rabbit.hold = true;
    ready.take();
    await ready.filled;
    assert.equal(ready.count, 0);
    assert.deepEqual(rabbit.asked, [
      'declare mqtt-subscription-ready-pod-1-abc-1',
      'delete mqtt-subscription-ready-pod-1-abc-1',
    ]);
    assert.equal(rabbit.open, 0, 'the late channel and the clean-up channel are closed');
    assert.equal(rabbit.channels, 2);
    assert.deepEqual(refusals, []);
    assert.ok(!ready.off);
    rabbit.hold = false;
    ready.take();
    await ready.filled;
    assert.equal(ready.count, 1);
  });

  it('drops a replacement still waiting when the connection goes', async () => {
    const { rabbit, host, ready } = setUp(2);
    ready.take();
    await ready.filled;
    ready.take();
    ready.replenishSoon();
    host.lose();
    await pause(20);
    await ready.filled;
    assert.equal(rabbit.asked.length, 4, 'nothing declared after the loss');
  });

  it('keeps nothing once the connection is gone, a declare that lands after it included', async () => {
    const { rabbit, host, ready } = setUp(2);
    rabbit.hold = true;
    ready.take();
    await settle();
    host.lose();
    rabbit.hold = false;
    rabbit.release();
    await ready.filled;
    assert.equal(ready.count, 0);
    assert.equal(ready.take(), undefined);
    await ready.filled;
    assert.equal(rabbit.channels, 1, 'no declare on a connection that is gone');
  });
});
