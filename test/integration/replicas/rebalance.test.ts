import { strict as assert } from 'node:assert';
import { Replicas } from './replicas';
import { RebalanceScenario, type RebalanceFigures } from './rebalance-run';
import { until } from '../helpers/wait';

const RATE = 100;
const REFERENCE = 'mqtt.example.test:1883';

/*
 * Scale-out from one replica to three, with clients that reach the replicas
 * through a stand-in for the Service (a random replica per connect): the first
 * replica hands clients off at no more than MQTT_ADAPTER_REBALANCE_RATE until
 * the three are even, while a numbered QoS 1 stream flows to persistent
 * subscribers that are handed off too. The full 3,000-client run is
 * bench/rebalance (its figures in docs/operations.md).
 */
describe('replicas: rebalance after a scale-out', function () {
  this.timeout(240_000);
  const set = new Replicas({
    MQTT_ADAPTER_REBALANCE: 'true',
    MQTT_ADAPTER_REBALANCE_RATE: String(RATE),
    MQTT_ADAPTER_REBALANCE_DELAY_MS: '500',
    MQTT_ADAPTER_REBALANCE_INTERVAL_MS: '250',
    MQTT_ADAPTER_SERVER_REFERENCE: REFERENCE,
    // debug adds each connection's reason for closing to what a failure prints.
    MQTT_ADAPTER_LOG_LEVEL: process.env.REBALANCE_TEST_LOG_LEVEL ?? 'info',
  });
  const scenario = new RebalanceScenario(set, {
    clients: Number(process.env.REBALANCE_TEST_CLIENTS ?? 600),
    subscribers: 20,
    ratePerSecond: RATE,
    serverReference: REFERENCE,
    settleMs: 90_000,
    publishEveryMs: 10,
  });
  let figures: RebalanceFigures;

  after(async () => {
    await scenario.end();
    await set.cleanup();
  });

  it('evens the replicas to within 10 %, losing no QoS 1 message, at no more than the rate', async () => {
    figures = await scenario.execute();
    const { v5WrongDetail, ...shown } = figures;
    console.log(`      figures: ${JSON.stringify({ ...shown, v5WrongDetail: v5WrongDetail.length })}`);
    console.log(
      `      sessions per replica ${figures.after.join(', ')}, ${(figures.spread * 100).toFixed(1)} % off the average`,
    );
    const { before, after, lost, lostNumbers, duplicates, acked } = figures;
    assert.deepEqual(before.slice(1), [0, 0]);
    // Rounds go on until every replica is within the tolerance of the average, not only the full one.
    assert.ok(
      figures.spread <= 0.1,
      `sessions per replica ${after.join(', ')}, ${(figures.spread * 100).toFixed(1)} % off`,
    );
    assert.equal(lost, 0, `lost ${lost} (numbers ${lostNumbers.join(', ')}), duplicates ${duplicates}`);
    assert.ok(acked > 100, `${acked} numbers acked`);
    // The first replica held every client; the others shed at most what came back to them past the tolerance.
    assert.ok(
      figures.handOffs[0] > Math.max(...figures.handOffs.slice(1)),
      `hand-offs per replica ${figures.handOffs.join(', ')}`,
    );
    assert.ok(
      figures.peakPerSecondOver5s <= RATE,
      `${figures.peakPerSecondOver5s} closes per second over 5 s (${figures.peakPerSecond} in one second), bound ${RATE}`,
    );
    assert.ok(figures.closes >= figures.handOffs[0], `${figures.closes} closes seen`);
    // Hand-offs are spaced 1/rate apart at least, so n of them take (n - 1)/rate at least, give or
    // take the clients' varying delay in hearing of the first and the last.
    const least = ((figures.closes - 1) * 1000) / RATE - 500;
    assert.ok(figures.closesSpanMs >= least, `${figures.closes} closes in ${figures.closesSpanMs} ms`);
  });

  it('says 0x9C with the Server Reference to MQTT 5 clients, and only closes MQTT 3.1.1 ones', () => {
    assert.ok(figures.v5HandedOff > 0 && figures.v3HandedOff > 0);
    assert.equal(
      figures.v5Wrong,
      0,
      `${figures.v5Wrong} of ${figures.v5HandedOff} without 0x9C and the reference:\n${figures.v5WrongDetail.join('\n')}`,
    );
  });

  it('rebalances when asked (POST /rebalance to any replica), moving only what is above the average', async () => {
    const [a, b, c] = set.list;
    const rounds = () =>
      Promise.all(
        set.list.map((r) => r.metric('mqtt_adapter_rebalance_rounds_total', { trigger: 'request' })),
      );
    const handOffs = () =>
      Promise.all(set.list.map((r) => r.metric('mqtt_adapter_rebalance_disconnects_total')));
    assert.deepEqual(await rounds(), [0, 0, 0]);
    assert.equal((await http('GET', a.ports.http, '/rebalance')).status, 405);
    const quiet = await handOffs();

    // A load balancer sent 300 new clients to C alone; asking B has C hand the surplus on.
    await scenario.crowd(c.ports.mqtt, 300);
    const res = await http('POST', b.ports.http, '/rebalance');
    assert.equal(res.status, 202);
    assert.match(res.body, /^\{"request":"[0-9a-f]{16}"\}\n$/);
    const counts = await scenario.even(0.1, 60_000);
    await scenario.roundsOver();
    await until(async () => (await rounds())[2] === 1, 'C starts a round');
    assert.deepEqual((await rounds()).slice(0, 2), [0, 0], 'A and B were not above the average');
    const moved = await handOffs();
    console.log(`      after the request: sessions ${counts.join(', ')}, hand-offs ${moved.join(', ')}`);
    assert.deepEqual(moved.slice(0, 2), quiet.slice(0, 2));
    assert.ok(moved[2] > 0);
  });
});

async function http(method: string, port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  return { status: res.status, body: await res.text() };
}
