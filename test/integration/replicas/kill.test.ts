import { strict as assert } from 'node:assert';
import { uniqueId } from '../helpers/adapter';
import { Replicas, arrival, join, leaveAll, willOn, type Replica } from './replicas';
import { until, delay } from '../helpers/wait';

/*
 * A replica dies without a goodbye (SIGKILL): a survivor sweeps it and
 * publishes its clients' wills, honouring MQTT 5 Will Delay, and the clients
 * resume on another replica without losing a QoS 1 message. Every test kills a
 * replica of its own; the two survivors serve the whole suite.
 */
describe('replicas: SIGKILL of the owning process', function () {
  this.timeout(60_000);
  const set = new Replicas();
  let b: Replica;
  let c: Replica;

  before(async () => {
    [b, c] = await set.start(2);
  });
  afterEach(leaveAll);
  after(async () => {
    await leaveAll();
    await set.cleanup();
  });

  it('publishes the will via a survivor within 3 s, and the client resumes elsewhere with no QoS 1 loss', async () => {
    const a = await set.add();
    const id = uniqueId('killed');
    set.sessionQueue(id);
    const root = `replicas/${uniqueId('kill')}`;
    const [willTopic, data] = [`${root}/will`, `${root}/data`];
    const { m: watcher } = await join(c.ports.mqtt);
    await watcher.subscribe(willTopic, 1);
    const willAt = arrival(watcher, willTopic);
    const client = await join(a.ports.mqtt, {
      clientId: id,
      clean: false,
      will: { topic: willTopic, payload: Buffer.from('gone'), qos: 1, retain: false },
    });
    await client.m.subscribe(data, 1);

    // Numbered QoS 1 messages through a survivor, before, during and after the kill.
    const { m: pub } = await join(c.ports.mqtt);
    const acked: number[] = [];
    let publishing = true;
    const publisher = (async () => {
      for (let n = 0; publishing; n++) {
        await pub.publish(data, String(n), 1);
        acked.push(n);
        await delay(2);
      }
    })();
    await until(() => client.m.received.length >= 50, 'deliveries before the kill', 10_000);
    const swept = await set.metricSum('mqtt_adapter_wills_published_total', { source: 'sweep' });

    const killedAt = Date.now();
    await a.kill();
    await until(() => willAt() !== undefined, 'the will', 6000);
    const willAfter = (willAt() as number) - killedAt;
    assert.ok(willAfter <= 3000, `will ${willAfter} ms after SIGKILL`);
    assert.equal(await set.metricSum('mqtt_adapter_wills_published_total', { source: 'sweep' }), swept + 1);

    const back = await join(b.ports.mqtt, { clientId: id, clean: false });
    assert.equal(back.connack.sessionPresent, true);
    await delay(500);
    publishing = false;
    await publisher;
    const got = (): number[] => [...client.m.received, ...back.m.received].map((r) => Number(r.payload));
    await until(
      () => {
        const seen = new Set(got());
        return acked.every((n) => seen.has(n));
      },
      'every PUBACKed message received',
      10_000,
    ).catch((err: Error) => {
      const seen = new Set(got());
      throw new Error(`${err.message}; lost ${acked.filter((n) => !seen.has(n)).join(',')}`);
    });
    const received = got();
    const duplicates = received.length - new Set(received).size;
    process.stdout.write(
      `      will ${willAfter} ms after SIGKILL; ${acked.length} published, ` +
        `${new Set(received).size} received, 0 lost, ${duplicates} duplicates\n`,
    );
  });

  it('publishes the will once when the client is back on a survivor before the dead replica is swept [MQTT-3.1.2-8]', async () => {
    const a = await set.add();
    const id = uniqueId('quick');
    set.sessionQueue(id);
    const root = `replicas/${uniqueId('quick')}`;
    const { m: watcher } = await join(c.ports.mqtt);
    await watcher.subscribe(`${root}/#`, 1);
    await join(a.ports.mqtt, { clientId: id, clean: false, will: willOn(root, 'quick') });

    await a.kill();
    // Back at once: the new connection supersedes the will of the dead one and publishes it [MQTT-3.1.3-9];
    // the sweep that finds the replica dead later has nothing left to publish.
    const back = await join(b.ports.mqtt, { clientId: id, clean: false });
    assert.equal(back.connack.sessionPresent, true);
    await watcher.waitFor('quick', undefined, 3000);
    await until(
      async () => !(await set.incarnations()).includes(a.incarnation),
      'the dead replica swept',
      5000,
    );
    await delay(1500);
    assert.equal(watcher.received.length, 1, 'the will published once');
  });

  it('waits out the MQTT 5 Will Delay after a SIGKILL, and a resume within the delay cancels it [MQTT-3.1.3-9]', async () => {
    const a = await set.add();
    const root = `replicas/${uniqueId('delay')}`;
    const { m: watcher } = await join(c.ports.mqtt);
    await watcher.subscribe(`${root}/#`, 1);
    const session = { protocolVersion: 5 as const, clean: false, properties: { sessionExpiryInterval: 60 } };
    const withWill = (name: string) => ({
      ...session,
      clientId: uniqueId(name),
      will: willOn(root, name, 2),
    });
    const late = withWill('late');
    const back = withWill('back');
    for (const o of [late, back]) {
      set.sessionQueue(o.clientId);
      await join(a.ports.mqtt, o);
    }
    const lateAt = arrival(watcher, `${root}/late`);
    const delayed = await set.metricSum('mqtt_adapter_wills_published_total', { source: 'delay' });

    const killedAt = Date.now();
    await a.kill();
    // A survivor finds A dead and schedules the wills; `back` returns while its will waits.
    await until(async () => (await set.willDue(back.clientId)) !== undefined, 'the will scheduled', 6000);
    const resumed = await join(b.ports.mqtt, { ...session, clientId: back.clientId });
    assert.equal(resumed.connack.sessionPresent, true);

    await until(() => lateAt() !== undefined, 'the delayed will', 8000);
    const after = (lateAt() as number) - killedAt;
    assert.ok(after >= 2000, `will ${after} ms after SIGKILL, before its delay`);
    assert.ok(after <= 5500, `will ${after} ms after SIGKILL`);
    await delay(1000);
    assert.deepEqual(
      watcher.received.map((r) => r.payload),
      ['late'],
      'only the will of the client that did not return',
    );
    assert.equal(await set.metricSum('mqtt_adapter_wills_published_total', { source: 'delay' }), delayed + 1);
    process.stdout.write(`      delayed will (2 s) ${after} ms after SIGKILL\n`);
  });
});
