import { strict as assert } from 'node:assert';
import { uniqueId } from '../helpers/adapter';
import { join, suiteReplicas, willOn } from './replicas';
import { WillTally } from './will-tally';
import { until, delay } from '../helpers/wait';
import type { Mqtt } from '../helpers/mqttjs';

/** Numbered QoS 1 messages from `from` to `topic` until stopped; `acked` are those PUBACKed. */
function numbered(from: Mqtt, topic: string): { acked: number[]; stop: () => Promise<void> } {
  const acked: number[] = [];
  let on = true;
  const loop = (async () => {
    for (let n = 0; on; n++) {
      await from.publish(topic, String(n), 1);
      acked.push(n);
      await delay(5);
    }
  })();
  return {
    acked,
    stop: async () => {
      on = false;
      await loop;
    },
  };
}

const receivedOn = (m: Mqtt, topic: string): Set<number> =>
  new Set(m.received.filter((r) => r.topic === topic).map((r) => Number(r.payload)));

/*
 * A replica stalls (a long GC pause, CPU throttling; here SIGSTOP) for longer
 * than the liveness TTL: its Redis connections stay open, so the others take
 * it for stalled, not dead. When it wakes, nothing was taken from it: no will
 * published, no client kicked or taken over, and its clients carry on
 * exchanging QoS 1 messages without a loss.
 */
describe('replicas: a replica stalled for 3 s (SIGSTOP, SIGCONT)', function () {
  this.timeout(60_000);
  const { set, started } = suiteReplicas(2);

  it('publishes no will, kicks no client, takes nothing over, and its clients keep exchanging QoS 1 messages', async () => {
    const [a, b] = started;
    const root = `replicas/${uniqueId('stall')}`;
    const { m: watcher } = await join(b.ports.mqtt);
    await watcher.subscribe(`${root}/will/#`, 1);
    const watch = new WillTally(watcher, `${root}/will`);
    const [toA, toB] = [`${root}/to-a`, `${root}/to-b`];

    // On the replica that stalls: clients with wills, MQTT 3.1.1 and 5, clean and persistent.
    const onA: Mqtt[] = [];
    for (const [i, name] of ['v3', 'v5', 'durable', 'churn'].entries()) {
      const clientId = uniqueId(name);
      const persistent = name === 'durable' || name === 'churn';
      if (persistent) set.sessionQueue(clientId);
      const { m } = await join(a.ports.mqtt, {
        clientId,
        clean: !persistent,
        protocolVersion: i % 2 === 0 ? 4 : 5,
        will: willOn(`${root}/will`, name),
      });
      onA.push(m);
    }
    const [, , durable, churn] = onA;
    await durable.subscribe(toA, 1);
    const { m: peer } = await join(b.ports.mqtt);
    await peer.subscribe(toB, 1);

    const inbound = numbered(peer, toA);
    const outbound = numbered(durable, toB);
    // Session writes to Redis under way when the stall begins, and when it ends.
    let churning = true;
    let churned = 0;
    const churnLoop = (async () => {
      while (churning) {
        await churn.subscribe(`${root}/churn/${churned % 5}`, 1);
        await churn.client.unsubscribeAsync(`${root}/churn/${churned % 5}`);
        churned++;
      }
    })();
    await until(
      () => receivedOn(durable, toA).size >= 50 && receivedOn(peer, toB).size >= 50,
      'traffic',
      10_000,
    );
    const takeovers = await a.metric('mqtt_adapter_takeovers_total');
    const swept = await set.metricSum('mqtt_adapter_wills_published_total', { source: 'sweep' });

    a.signal('SIGSTOP');
    await delay(3000);
    const stalledFor = await set.aliveTtl(a.incarnation);
    a.signal('SIGCONT');

    // Signals that A is back and the others had their look: it refreshed its liveness, and messages
    // sent from now on go through both ways.
    /** What was taken from A, for a failure message and the record. */
    const report = (): string =>
      `wills published ${watch.count} (${watch.names().join(',')}); ` +
      `kicked ${onA.filter((m) => m.isClosed).length} of ${onA.length}; ` +
      `${inbound.acked.length} messages to A and ${outbound.acked.length} from A acked; ` +
      `Redis commands timed out in A: ${(a.output().match(/timed out/g) ?? []).length}`;
    const after = async (check: () => boolean | Promise<boolean>, what: string): Promise<void> =>
      until(check, what, 10_000).catch((err: Error) => {
        const log = a
          .output()
          .split('\n')
          .filter((l) => /"level":[4-6]0/.test(l));
        throw new Error(`${err.message}: ${report()}\n${log.slice(-15).join('\n')}`);
      });
    await after(async () => (await set.aliveTtl(a.incarnation)) > stalledFor + 2000, 'A refreshed');
    const [inMark, outMark] = [inbound.acked.length, outbound.acked.length];
    await after(
      () => inbound.acked.length > inMark + 50 && outbound.acked.length > outMark + 50,
      'acks after',
    );
    const churnedAfter = churned;
    await after(() => churned > churnedAfter + 5, 'SUBSCRIBE/UNSUBSCRIBE after');
    churning = false;
    await churnLoop;
    await Promise.all([inbound.stop(), outbound.stop()]);
    await until(
      () => {
        const [gotA, gotB] = [receivedOn(durable, toA), receivedOn(peer, toB)];
        return inbound.acked.every((n) => gotA.has(n)) && outbound.acked.every((n) => gotB.has(n));
      },
      'every PUBACKed message received',
      10_000,
    ).catch((err: Error) => {
      const [gotA, gotB] = [receivedOn(durable, toA), receivedOn(peer, toB)];
      const lostA = inbound.acked.filter((n) => !gotA.has(n));
      const lostB = outbound.acked.filter((n) => !gotB.has(n));
      throw new Error(
        `${err.message}: lost ${lostA.length} to A (${lostA.join(',')}), ${lostB.length} from A`,
      );
    });

    process.stdout.write(`      stalled 3 s: ${report()}, 0 lost\n`);
    assert.equal(watch.count, 0, `no will published: ${watch.names().join(',')}`);
    assert.deepEqual(
      onA.filter((m) => m.isClosed).map((m) => m.client.options.clientId),
      [],
      'no client kicked',
    );
    assert.equal(await a.metric('mqtt_adapter_takeovers_total'), takeovers, 'no takeover');
    assert.equal(await set.metricSum('mqtt_adapter_wills_published_total', { source: 'sweep' }), swept);
    assert.ok((await set.incarnations()).includes(a.incarnation), 'A is still known alive');
  });
});
