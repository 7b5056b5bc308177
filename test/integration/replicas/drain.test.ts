import { strict as assert } from 'node:assert';
import { uniqueId } from '../helpers/adapter';
import { Replicas, arrival, join, leaveAll, willOn, type Joined } from './replicas';
import { until, delay } from '../helpers/wait';

const GRACE_MS = 3000;

/*
 * SIGTERM drains a replica: its clients are closed (MQTT 5 ones hear 0x8B),
 * ownership is released, and their wills wait out the drain grace, so a client
 * that reconnects to another replica in time fires none, while the will of
 * one that does not come back is published by a survivor's sweeper.
 */
describe('replicas: graceful drain (SIGTERM) with a will grace', function () {
  this.timeout(60_000);
  const set = new Replicas({ MQTT_ADAPTER_WILL_DRAIN_GRACE_MS: String(GRACE_MS) });

  before(() => set.start(3));
  afterEach(leaveAll);
  after(async () => {
    await leaveAll();
    await set.cleanup();
  });

  it('fires no will for a client back on another replica within the grace, and the others after it', async () => {
    const [a, b] = set.list;
    const root = `replicas/${uniqueId('drain')}`;
    // The watcher on B also warms B's RabbitMQ login, so the move to B is as quick as it gets.
    const { m: watcher } = await join(b.ports.mqtt);
    await watcher.subscribe(`${root}/#`, 1);
    const will = (name: string) => willOn(root, name);
    const returning = {
      clientId: uniqueId('returning'),
      protocolVersion: 5 as const,
      will: will('returning'),
    };
    const gone = { clientId: uniqueId('gone'), protocolVersion: 4 as const, will: will('gone') };
    const r = await join(a.ports.mqtt, returning);
    await join(a.ports.mqtt, gone);
    const goneAt = arrival(watcher, `${root}/gone`);
    const delayed = await set.metricSum('mqtt_adapter_wills_published_total', { source: 'delay' });

    const stoppedAt = Date.now();
    // The client moves the moment it hears of the shutdown, while A may still be closing its session.
    const moved = new Promise<Joined>((resolve, reject) =>
      r.m.client.once('disconnect', () => join(b.ports.mqtt, returning).then(resolve, reject)),
    );
    const exit = a.stop();
    const again = await moved;
    assert.equal(r.serverDisconnect()?.reasonCode, 0x8b, 'DISCONNECT Server shutting down [MQTT-3.14.2-1]');
    assert.equal(again.connack.reasonCode ?? again.connack.returnCode ?? 0, 0);
    assert.deepEqual(await exit, { code: 0, signal: null });

    await until(() => goneAt() !== undefined, 'the will of the client that did not return', GRACE_MS + 5000);
    const after = (goneAt() as number) - stoppedAt;
    assert.ok(after >= GRACE_MS, `will ${after} ms after SIGTERM, within the grace`);
    assert.ok(after <= GRACE_MS + 2000, `will ${after} ms after SIGTERM`);
    await delay(1000);
    assert.deepEqual(
      watcher.received.map((m) => m.payload),
      ['gone'],
      'no will for the client that reconnected',
    );
    assert.equal(await set.metricSum('mqtt_adapter_wills_published_total', { source: 'delay' }), delayed + 1);
  });
});
