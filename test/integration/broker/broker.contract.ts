import { strict as assert } from 'node:assert';
import { failureOf, type BrokerLink, type BrokerPort } from '../../../adapter/src/ports/broker';
import type { Credentials } from '../../../adapter/src/ports/credentials';
import type { Delivery } from '../../../adapter/src/ports/message';

/** One broker behind the port, and what a test does to it as an operator. */
export interface BrokerHarness {
  readonly port: BrokerPort;
  /** A user with every permission. */
  readonly login: Credentials;
  /** A user who may declare and publish but not bind to the exchange (nor read). */
  noBindUser(): Promise<Credentials>;
  /** A queue that refuses every publish routed to it (x-max-length 0, x-overflow reject-publish). */
  declareRejecting(queue: string): Promise<void>;
  /** Deletes a queue as an operator would. */
  deleteQueue(queue: string): Promise<void>;
  close(): Promise<void>;
}

let seq = 0;
const unique = (what: string): string => `broker-contract-${process.pid}-${++seq}-${what}`;

/** Deliveries of one consumer, awaited one by one. */
class Inbox {
  private readonly got: Delivery[] = [];
  private wake: (() => void) | undefined;
  readonly take = (d: Delivery): void => {
    this.got.push(d);
    this.wake?.();
  };
  async next(): Promise<Delivery> {
    while (this.got.length === 0) await new Promise<void>((r) => (this.wake = r));
    return this.got.shift() as Delivery;
  }
}

const noop = (): void => undefined;

/** The broker-port cases every implementation passes: the fake of the unit tests and the AMQP link. */
export function brokerContract(name: string, make: () => Promise<BrokerHarness>): void {
  describe(`broker port contract: ${name}`, function () {
    this.timeout(15_000);
    let h: BrokerHarness;
    const links: BrokerLink[] = [];
    const queues: string[] = [];
    const open = async (c?: Credentials): Promise<BrokerLink> => {
      const l = await h.port.login(c ?? h.login);
      links.push(l);
      return l;
    };
    /** A non-durable queue bound to `key`, removed after the test. */
    const boundQueue = async (l: BrokerLink, key: string): Promise<string> => {
      const q = unique('q');
      queues.push(q);
      await l.declareQueue({ name: q, durable: false, expiresMs: 60_000, quorum: false });
      await l.bind(q, key);
      return q;
    };

    beforeEach(async () => (h = await make()));
    afterEach(async () => {
      for (const q of queues.splice(0)) await h.deleteQueue(q).catch(noop);
      for (const l of links.splice(0)) await l.close().catch(noop);
      await h.close();
    });

    it('a confirmed publish reaches a bound queue with its MQTT topic and QoS', async () => {
      const l = await open();
      const topic = unique('t').replace(/-/g, '/');
      const q = await boundQueue(l, `${topic.replace(/\//g, '.')}`);
      const inbox = new Inbox();
      await l.consume(q, 10, inbox.take);
      assert.equal(await l.publish(topic, Buffer.from('hello'), 1, noop, { mandatory: true }), true);
      const d = await inbox.next();
      assert.equal(d.topic, topic);
      assert.equal(d.qos, 1);
      assert.equal(d.payload.toString(), 'hello');
      assert.equal(d.redelivered, false);
      l.ack(d.deliveryTag);
    });

    it('a mandatory publish no queue takes resolves to false', async () => {
      const l = await open();
      assert.equal(await l.publish(unique('nobody'), Buffer.from('x'), 1, noop, { mandatory: true }), false);
    });

    it('declare, exists, bind with a wildcard, deliveries in order within the prefetch, ack', async () => {
      const l = await open();
      const base = unique('w');
      const q = await boundQueue(l, `${base}.*`);
      assert.equal(await l.queueExists(q), true);
      assert.equal(await l.queueExists(unique('missing')), false);
      // `*` is one topic level: the deeper topic is routed nowhere.
      assert.equal(await l.publish(`${base}/a/b`, Buffer.from('deep'), 1, noop, { mandatory: true }), false);
      for (let i = 1; i <= 3; i++) await l.publish(`${base}/${i}`, Buffer.from(`m${i}`), 1, noop);
      const inbox = new Inbox();
      await l.consume(q, 2, inbox.take);
      const got = [await inbox.next(), await inbox.next()];
      // With a prefetch of 2 the third comes once one is acked.
      l.ack(got[0].deliveryTag);
      got.push(await inbox.next());
      assert.deepEqual(
        got.map((d) => d.payload.toString()),
        ['m1', 'm2', 'm3'],
      );
      for (const d of got.slice(1)) l.ack(d.deliveryTag);
    });

    it('unacked deliveries go back to the queue, redelivered, when the link closes', async () => {
      const a = await open();
      const base = unique('r');
      const q = await boundQueue(a, `${base}.#`);
      for (let i = 1; i <= 3; i++) await a.publish(`${base}/${i}`, Buffer.from(`m${i}`), 1, noop);
      const first = new Inbox();
      await a.consume(q, 10, first.take);
      const seen = [await first.next(), await first.next(), await first.next()];
      a.ack(seen[0].deliveryTag);
      await a.close();
      const b = await open();
      const second = new Inbox();
      await b.consume(q, 10, second.take);
      const again = [await second.next(), await second.next()];
      assert.deepEqual(
        again.map((d) => [d.payload.toString(), d.redelivered]),
        [
          ['m2', true],
          ['m3', true],
        ],
      );
    });

    it('a cancelled consumer gets nothing more; the queue keeps it for the next one', async () => {
      const l = await open();
      const base = unique('c');
      const q = await boundQueue(l, base);
      const inbox = new Inbox();
      await l.consume(q, 10, inbox.take);
      await l.cancel(q);
      await l.publish(base, Buffer.from('after'), 1, noop);
      const other = await open();
      const next = new Inbox();
      await other.consume(q, 10, next.take);
      assert.equal((await next.next()).payload.toString(), 'after');
    });

    it('deleting a queue cancels its consumer, which hears of it', async () => {
      const l = await open();
      const q = await boundQueue(l, unique('d'));
      const cancelled = new Promise<string>((resolve) => {
        l.events = {
          linkLost: noop,
          consumerLost: noop,
          consumersMoved: noop,
          consumerCancelled: resolve,
          publishRefused: noop,
        };
      });
      await l.consume(q, 10, noop);
      await h.deleteQueue(q);
      assert.equal(await cancelled, q);
    });

    it('a bind the user may not make is refused as access-refused (403), and the link still works', async () => {
      const admin = await open();
      const q = await boundQueue(admin, unique('p'));
      const l = await open(await h.noBindUser());
      const err = await l.bind(q, unique('denied')).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.equal(failureOf(err), 'access-refused');
      assert.equal(await l.queueExists(q), true);
    });

    it('openQueue makes an empty queue bound to every key, replacing one of its name, ready to consume', async () => {
      const l = await open();
      const base = unique('o');
      const q = await boundQueue(l, `${base}.old`);
      await l.publish(`${base}/old`, Buffer.from('stale'), 1, noop);
      await l.openQueue(
        { name: q, durable: false, expiresMs: 60_000, quorum: false },
        [`${base}.a`, `${base}.b`],
        true,
      );
      assert.equal(await l.publish(`${base}/old`, Buffer.from('x'), 1, noop, { mandatory: true }), false);
      for (const k of ['a', 'b']) await l.publish(`${base}/${k}`, Buffer.from(k), 1, noop);
      const inbox = new Inbox();
      await l.consume(q, 10, inbox.take, true);
      const got = [await inbox.next(), await inbox.next()];
      assert.deepEqual(
        got.map((d) => d.payload.toString()),
        ['a', 'b'],
        'the stale message went with the replaced queue',
      );
      for (const d of got) l.ack(d.deliveryTag);
    });

    it('openQueue without keys, and when kept, purges what the queue held', async () => {
      const l = await open();
      const base = unique('k');
      const q = await boundQueue(l, `${base}.k`);
      await l.publish(`${base}/k`, Buffer.from('left'), 1, noop);
      await l.openQueue({ name: q, durable: false, expiresMs: 60_000, quorum: false }, [], false);
      await l.publish(`${base}/k`, Buffer.from('after'), 1, noop);
      const inbox = new Inbox();
      await l.consume(q, 10, inbox.take, true);
      const d = await inbox.next();
      assert.equal(d.payload.toString(), 'after');
      l.ack(d.deliveryTag);
    });

    it('openQueue for a user who may not read the queue is refused as access-refused (403), and the link still works', async () => {
      const l = await open(await h.noBindUser());
      const q = unique('unreadable');
      queues.push(q);
      const err = await l
        .openQueue({ name: q, durable: false, expiresMs: 60_000, quorum: false }, [], false)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.equal(failureOf(err), 'access-refused');
      assert.equal(await l.queueExists(q), true, 'the declare before the refused check took effect');
    });

    it('a publish a queue refuses (x-max-length 0, reject-publish) is nacked', async () => {
      const l = await open();
      const key = unique('n');
      const q = unique('full');
      queues.push(q);
      await h.declareRejecting(q);
      await l.bind(q, key);
      const err = await l.publish(key, Buffer.from('x'), 1, noop).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.equal(failureOf(err), 'nacked');
    });
  });
}
