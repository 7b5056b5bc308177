import { strict as assert } from 'node:assert';
import { uniqueId } from '../helpers/adapter';
import { Replicas, join, suiteReplicas, willOn, type Replica } from './replicas';
import { WillTally, describeTally } from './will-tally';
import { until, delay } from '../helpers/wait';

/** Which replica published which will how long after `since`, for whoever has to read a failure. */
function timeline(replicas: readonly Replica[], since: number): string {
  const lines: string[] = [];
  for (const r of replicas)
    for (const line of r.output().split('\n')) {
      if (!line.includes('will published')) continue;
      const { time, topic, source } = JSON.parse(line) as { time: number; topic: string; source: string };
      lines.push(`${time - since} ms ${r.incarnation} ${source} ${topic}`);
    }
  return lines.sort((x, y) => parseInt(x) - parseInt(y)).join('\n');
}

/** How long after the last swept will a duplicate from a publish still under way could arrive. */
const IN_FLIGHT_MS = 1000;

/*
 * A replica is SIGKILLed and its container restarted inside the same pod: a
 * new process under the same pod name. It is a new incarnation, so it does not
 * keep its predecessor alive: the predecessor's wills go out once each, within
 * the budget of a plain SIGKILL (3 s at default settings).
 */
describe('replicas: SIGKILL and restart in place (same pod name, new process)', function () {
  this.timeout(90_000);
  const { set, started } = suiteReplicas(2);
  const b = (): Replica => started[0];
  const c = (): Replica => started[1];

  /** Connects `count` clients with wills (MQTT 3.1.1 and 5 in turn) to `r`; returns their names. */
  async function clientsWithWills(r: Replica, root: string, count: number): Promise<string[]> {
    const names = Array.from({ length: count }, (_, i) => `w${i}`);
    for (const [i, name] of names.entries())
      await join(r.ports.mqtt, { protocolVersion: i % 2 === 0 ? 4 : 5, will: willOn(root, name) });
    return names;
  }

  /**
   * Starts a replica of `owner` with `count` clients with wills, SIGKILLs it,
   * restarts it under the same pod name `backAfterMs` later, and checks that
   * each will arrives once, within 3 s of the kill. Returns the new process.
   */
  async function killAndRestart(owner: Replicas, backAfterMs: number, count: number, label: string) {
    const a = await owner.add();
    const root = `replicas/${uniqueId('restart')}`;
    const { m: watcher } = await join(c().ports.mqtt);
    await watcher.subscribe(`${root}/#`, 1);
    const watch = new WillTally(watcher, root);
    const names = await clientsWithWills(a, root, count);

    const killedAt = Date.now();
    await a.kill();
    await delay(backAfterMs);
    const again = await owner.restart(a);
    assert.notEqual(again.incarnation, a.incarnation);
    await until(() => watch.has(names), 'every will', 10_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${describeTally(watch.tally(names, killedAt))}`);
    });
    // Once the dead incarnation is swept, no sweep can hand out its wills again.
    await until(async () => !(await owner.incarnations()).includes(a.incarnation), 'swept', 10_000);
    await delay(IN_FLIGHT_MS);
    const t = watch.tally(names, killedAt);
    process.stdout.write(`      ${label}, back after ${backAfterMs} ms: ${describeTally(t)}\n`);
    const why = `${describeTally(t)}\n${timeline(owner.list, killedAt)}`;
    assert.deepEqual([t.published, t.duplicated, t.unexpected], [names.length, 0, []], why);
    assert.ok(t.latestMs <= 3000, why);
    return { again, names };
  }

  for (const backAfterMs of [500, 1500]) {
    it(`publishes each will of the killed process once, within 3 s, when the pod is back after ${backAfterMs} ms`, async () => {
      const { again } = await killAndRestart(set, backAfterMs, 6, 'with two other replicas');
      // The restarted process serves, and its own liveness is not confused with the dead one's.
      const { connack } = await join(again.ports.mqtt);
      assert.equal(connack.returnCode, 0);
    });
  }

  it('with no other replica left, the restarted process publishes its predecessor wills itself, within 3 s', async () => {
    // A deployment of one: its own key prefix, so b and c do not count as replicas of it.
    const lone = new Replicas();
    try {
      const { again, names } = await killAndRestart(lone, 500, 4, 'alone');
      assert.equal(
        await again.metric('mqtt_adapter_wills_published_total', { source: 'sweep' }),
        names.length,
      );
    } finally {
      await lone.cleanup();
    }
  });

  it('publishes no will of an MQTT 5 client back within its Will Delay, on the restarted or another replica [MQTT-3.1.3-9]', async () => {
    const a = await set.add();
    const root = `replicas/${uniqueId('back')}`;
    const { m: watcher } = await join(c().ports.mqtt);
    await watcher.subscribe(`${root}/#`, 1);
    const watch = new WillTally(watcher, root);
    const v5 = { protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 60 } };
    const ids: Record<string, string> = {};
    for (const name of ['toRestarted', 'toOther', 'late']) {
      ids[name] = uniqueId(name);
      set.sessionQueue(ids[name]);
      await join(a.ports.mqtt, { ...v5, clientId: ids[name], will: willOn(root, name, 3) });
    }
    // MQTT 3.1.1 has no Will Delay: a reconnect takes over a connection that ended without
    // DISCONNECT, so its will goes out, once [MQTT-3.1.2-8].
    ids.v3 = uniqueId('v3');
    set.sessionQueue(ids.v3);
    await join(a.ports.mqtt, { clientId: ids.v3, clean: false, will: willOn(root, 'v3') });

    const killedAt = Date.now();
    await a.kill();
    const other = await join(b().ports.mqtt, { ...v5, clientId: ids.toOther });
    await delay(500);
    const again = await set.restart(a);
    const restarted = await join(again.ports.mqtt, { ...v5, clientId: ids.toRestarted });
    const v3 = await join(again.ports.mqtt, { clientId: ids.v3, clean: false });
    const backWithin = Date.now() - killedAt;
    assert.ok(backWithin < 3000, `back ${backWithin} ms after the kill, not within the Will Delay`);
    for (const r of [other, restarted, v3]) assert.equal(r.connack.sessionPresent, true);

    // The will of the client that stayed away is the signal that the delayed ones came due.
    await until(() => watch.has(['late', 'v3']), 'the wills of late and v3', 10_000);
    await until(async () => !(await set.incarnations()).includes(a.incarnation), 'predecessor swept', 10_000);
    await delay(IN_FLIGHT_MS);
    const t = watch.tally(['late', 'v3'], killedAt);
    process.stdout.write(`      reconnect in time: ${describeTally(t)}\n`);
    assert.deepEqual(watch.names(), ['late', 'v3'], describeTally(t));
    assert.ok(t.latestMs >= 3000, `the delayed will ${t.latestMs} ms after the kill, before its delay`);
  });
});
