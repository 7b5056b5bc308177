import assert from 'node:assert/strict';
import { uniqueId } from '../helpers/adapter';
import { DEFAULT_MEMORY_WATERMARK, rabbitmqctl, setMemoryWatermark } from '../helpers/rabbit';
import { fetchMetrics, metricValue, rssClimbMb, useChildAdapter } from './child-adapter';
import { sessionQueue, useFixture } from './fixture';
import { queueInfo } from './vhost';
import { flood } from './flood';
import { until, within, delay } from '../helpers/wait';

const MB = 1024 * 1024;

const memoryAlarmed = async (): Promise<boolean> =>
  /memory/.test(await rabbitmqctl('eval', 'rabbit_alarm:get_alarms().'));

/** Publishers cannot make the adapter buffer without bound, and RabbitMQ's flow control reaches them. */
describe('amqp-side: backpressure', function () {
  describe('a QoS 0 flood (adapter in its own process)', function () {
    const ref = useChildAdapter();
    const f = useFixture();

    it('does not grow adapter memory with the volume published', async function () {
      this.timeout(60_000);
      const { child } = ref;
      const t = `${uniqueId('flood')}/unrouted`;
      const { client } = await f.raw({ clientId: uniqueId('flooder'), clean: true }, child.ports.mqtt);
      const count = 4000;
      const size = 16 * 1024;
      const published = async (): Promise<number> =>
        metricValue(await fetchMetrics(child.ports.http), 'mqtt_adapter_messages_published_total{qos="0"}');
      const climb = await rssClimbMb(child, async (round) => {
        await flood(client, t, count, size);
        // The adapter has taken every PUBLISH off the socket once its counter says so.
        await until(
          async () => (await published()) >= count * (round + 1),
          'the adapter to publish the whole flood',
          20_000,
        );
      });
      assert.equal(client.isClosed, false);
      const volume = (count * size) / MB;
      assert.ok(
        climb < volume,
        `adapter RSS peak climbed ${climb.toFixed(0)} MB over two ${volume} MB floods`,
      );
    });
  });

  describe('a subscriber that stops reading', function () {
    const f = useFixture();

    it('leaves its QoS 0 messages in its session queue, not in the adapter', async function () {
      this.timeout(60_000);
      const id = uniqueId('stuck-persistent');
      const t = `${id}/t`;
      const { client: stuck } = await f.raw({ clientId: id, clean: false });
      assert.deepEqual(await stuck.subscribe([{ topic: t, qos: 0 }]), [0]);
      stuck.socket.pause();
      const { client: publisher } = await f.raw({ clientId: uniqueId('flooder'), clean: true });
      const count = 3000;
      const size = 16 * 1024;
      await flood(publisher, t, count, size);
      await publisher.publish(t, 'last', 1);
      // Deliveries are acked only as its socket drains, so the prefetch window is all RabbitMQ hands
      // over; the rest can be only in the kernel's socket buffers (a few MB) or still in the queue.
      const inKernelAtMost = (8 * 1024 * 1024) / size;
      const window = 64;
      // Everything is routed once the last PUBACK is in. Watch the queue for a while: an adapter that
      // kept consuming would drain it into its own memory.
      const deadline = Date.now() + 2000;
      do {
        const q = await queueInfo(sessionQueue(id));
        assert.ok(q, 'no session queue');
        assert.ok(q.unacked <= window, `${q.unacked} unacked deliveries, more than the window`);
        assert.ok(
          q.ready >= count + 1 - window - inKernelAtMost,
          `only ${q.ready} of ${count + 1} still in RabbitMQ: the adapter took the rest`,
        );
      } while (Date.now() < deadline);
      assert.equal(stuck.isClosed, false);
    });
  });

  describe('RabbitMQ connection.blocked (memory alarm)', function () {
    const f = useFixture();

    afterEach(async function () {
      // Always, even when the test failed: the broker is shared.
      await setMemoryWatermark(DEFAULT_MEMORY_WATERMARK);
      await until(async () => !(await memoryAlarmed()), 'the memory alarm to clear', 15_000);
    });

    it('stalls QoS 1 publishes without PUBACK while blocked, then completes them all', async function () {
      this.timeout(60_000);
      const t = uniqueId('blocked');
      const q = await f.amqp.consumeBound([`${t}.#`]);
      const { client } = await f.raw({ clientId: uniqueId('blocked-pub'), clean: true });
      // Its pooled connection and publish channel exist before the alarm.
      await client.publish(`${t}/m`, 'warm-up', 1);
      await q.waitFor(1);

      await setMemoryWatermark('0.0000001');
      await until(memoryAlarmed, 'RabbitMQ to raise the memory alarm', 15_000);
      const n = 10;
      for (let i = 1; i <= n; i++) {
        client.sendPublish(`${t}/m`, `m${i}`, 1, i);
      }
      // RabbitMQ takes nothing from a blocked publisher, so no confirm and no PUBACK can come.
      await assert.rejects(
        client.next((p) => p.cmd === 'puback', 'PUBACK while blocked', 1500),
        /no PUBACK while blocked/,
      );
      assert.equal(q.messages.length, 1);

      await setMemoryWatermark(DEFAULT_MEMORY_WATERMARK);
      const acked = await client.pubacks(n, 15_000);
      assert.deepEqual(
        acked,
        Array.from({ length: n }, (_, i) => i + 1),
      );
      const got = await within(q.waitFor(n + 1), 10_000, 'every message in RabbitMQ');
      assert.deepEqual(
        got.slice(1).map((m) => m.content.toString()),
        Array.from({ length: n }, (_, i) => `m${i + 1}`),
      );
      assert.equal(client.isClosed, false);
    });

    it('stops reading a publisher while blocked and resumes once unblocked, losing nothing', async function () {
      this.timeout(60_000);
      const t = uniqueId('paused');
      const q = await f.amqp.consumeBound([`${t}.#`]);
      const { client } = await f.raw({ clientId: uniqueId('paused-pub'), clean: true });
      await client.publish(`${t}/m`, 'warm-up', 1);
      await q.waitFor(1);
      const read = async (): Promise<number> =>
        metricValue(
          await fetchMetrics(f.adapter.ports.http),
          'mqtt_adapter_messages_published_total{qos="0"}',
        );

      await setMemoryWatermark('0.0000001');
      await until(memoryAlarmed, 'RabbitMQ to raise the memory alarm', 15_000);
      const before = await read();
      const n = 20;
      // One packet per write, spaced out, so each would be a read of its own if the adapter kept reading.
      for (let i = 1; i <= n; i++) {
        client.sendPublish(`${t}/m`, `m${i}`, 0);
        await delay(30);
      }
      // RabbitMQ says connection.blocked on the first publish after the alarm; the adapter stops at the next.
      const whileBlocked = (await read()) - before;
      assert.ok(whileBlocked <= 3, `the adapter read ${whileBlocked} of ${n} publishes while blocked`);

      await setMemoryWatermark(DEFAULT_MEMORY_WATERMARK);
      const got = await within(q.waitFor(n + 1), 15_000, 'every message in RabbitMQ after the block');
      assert.deepEqual(
        got.slice(1).map((m) => m.content.toString()),
        Array.from({ length: n }, (_, i) => `m${i + 1}`),
      );
      assert.equal((await read()) - before, n);
      assert.equal(client.isClosed, false);
    });
  });
});
