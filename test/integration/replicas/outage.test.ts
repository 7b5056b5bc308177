import { strict as assert } from 'node:assert';
import { uniqueId } from '../helpers/adapter';
import { RedisServer } from '../store/redis-server';
import { RedisProxy } from './redis-proxy';
import { Replicas, connectCode, join, leaveAll, willOn, type Replica } from './replicas';
import { until, delay } from '../helpers/wait';

/** CONNACK "Server unavailable": 0x03 at MQTT 3, 0x88 at MQTT 5. */
const UNAVAILABLE = { 4: 0x03, 5: 0x88 } as const;

/*
 * Redis (a private redis-server, never the shared one) stops under running
 * replicas and comes back on the same port: CONNECTs that need it are refused
 * "server unavailable", established connections carry on, /readyz says 503,
 * nothing crashes or grows without bound, and it all recovers by itself.
 */
describe('replicas: Redis stopped and restarted under them', function () {
  this.timeout(90_000);
  let server: RedisServer;
  let set: Replicas;
  let a: Replica;
  let b: Replica;

  before(async () => {
    server = await RedisServer.start();
    set = new Replicas({}, `redis://127.0.0.1:${server.port}`);
    [a, b] = await set.start(2);
  });
  afterEach(leaveAll);
  after(async () => {
    await leaveAll();
    await set?.cleanup();
    await server?.stop();
  });

  it('refuses CONNECT while Redis is away, keeps established connections, and recovers by itself', async () => {
    const topic = `replicas/${uniqueId('outage')}`;
    const { m: sub } = await join(b.ports.mqtt);
    await sub.subscribe(topic, 1);
    const { m: pub } = await join(a.ports.mqtt);
    await pub.publish(topic, 'before', 1);
    await sub.waitFor('before', topic);
    const errorsBefore = await a.metric('mqtt_adapter_redis_errors_total', { operation: 'sessions.claim' });

    await server.pause();
    for (const r of [a, b]) await until(async () => (await r.readyz()) === 503, `${r.pod} not ready`, 10_000);
    for (const v of [4, 5] as const) {
      assert.equal(await connectCode(a.ports.mqtt, v), UNAVAILABLE[v], `CONNACK at protocol level ${v}`);
    }
    assert.ok(
      (await a.metric('mqtt_adapter_redis_errors_total', { operation: 'sessions.claim' })) > errorsBefore,
      'refused claims counted as Redis errors',
    );

    // Established connections need no Redis to publish and receive.
    for (let i = 0; i < 3; i++) {
      await pub.publish(topic, `during-${i}`, 1);
      await sub.waitFor(`during-${i}`, topic);
    }

    // A stream of refused CONNECTs must not pile anything up.
    const rss = a.rss();
    for (let round = 0; round < 10; round++) {
      const codes = await Promise.all(Array.from({ length: 20 }, () => connectCode(a.ports.mqtt, 4)));
      assert.ok(codes.every((code) => code === UNAVAILABLE[4]));
    }
    const grown = a.rss() - rss;
    assert.ok(
      grown < 48 * 1024 * 1024,
      `RSS grew ${Math.round(grown / 1024 / 1024)} MiB over 200 refused CONNECTs`,
    );
    assert.ok(a.running && b.running, 'no replica crashed');

    await server.resume();
    for (const r of [a, b])
      await until(async () => (await r.readyz()) === 200, `${r.pod} ready again`, 15_000);
    const id = uniqueId('after');
    set.sessionQueue(id);
    const back = await join(a.ports.mqtt, { clientId: id, clean: false });
    assert.equal(back.connack.returnCode, 0);
    await back.m.subscribe(`${topic}/after`, 1);
    await pub.publish(`${topic}/after`, 'after', 1);
    await back.m.waitFor('after');
    await pub.publish(topic, 'still', 1);
    await sub.waitFor('still', topic);
    // Takeover notices are heard again: the replicas subscribed anew to the restarted Redis.
    const moved = await join(b.ports.mqtt, { clientId: id, clean: false });
    assert.equal(moved.connack.sessionPresent, true);
    await back.m.closed(1000);
  });
});

/*
 * The network between the replicas and Redis fails for longer than the
 * liveness TTL while Redis keeps its keys: when it comes back, the replicas
 * reconnect one after the other, and none may take another, alive all along,
 * for dead (displacing its clients and firing their wills).
 */
describe('replicas: Redis out of reach longer than the liveness TTL, keys kept', function () {
  this.timeout(60_000);
  let server: RedisServer;
  const proxies: RedisProxy[] = [];
  let set: Replicas;
  let a: Replica;
  let b: Replica;

  before(async () => {
    server = await RedisServer.start();
    set = new Replicas({}, `redis://127.0.0.1:${server.port}`);
    // A network path of its own per replica, so they can come back at different times.
    for (let i = 0; i < 2; i++) proxies.push(await RedisProxy.start(server.port));
    a = await set.add({ MQTT_ADAPTER_REDIS_URL: `redis://127.0.0.1:${proxies[0].port}` });
    b = await set.add({ MQTT_ADAPTER_REDIS_URL: `redis://127.0.0.1:${proxies[1].port}` });
  });
  afterEach(leaveAll);
  after(async () => {
    await leaveAll();
    await set?.cleanup();
    for (const p of proxies) await p.close();
    await server?.stop();
  });

  it('displaces no client of a replica alive all along, and publishes only the will of a connection lost meanwhile', async () => {
    const root = `replicas/${uniqueId('partition')}`;
    const { m: watcher } = await join(b.ports.mqtt);
    await watcher.subscribe(`${root}/#`, 1);
    const will = (name: string) => willOn(root, name);
    const onA = await join(a.ports.mqtt, { will: will('a') });
    const onB = await join(b.ports.mqtt, { will: will('b') });
    const lost = await join(a.ports.mqtt, { will: will('lost') });

    for (const p of proxies) p.cutOff();
    await delay(500);
    // This connection breaks while its replica cannot reach Redis to settle its will.
    (lost.m.client.stream as { destroy(): void }).destroy();
    await delay(3500);
    // A is back first; B a moment later, well within one TTL.
    proxies[0].restore();
    await delay(300);
    proxies[1].restore();
    for (const r of [a, b]) await until(async () => (await r.readyz()) === 200, `${r.pod} ready`, 10_000);
    await watcher.waitFor('lost', undefined, 5000);
    await delay(3000);
    if (watcher.received.length !== 1 || onA.m.isClosed || onB.m.isClosed) {
      // Which replica swept or published what, for whoever has to read this failure.
      for (const r of [a, b]) {
        const lines = r
          .output()
          .split('\n')
          .filter((l) => /sweep|will|Redis error/.test(l));
        process.stdout.write(`${r.pod}:\n${lines.slice(-20).join('\n')}\n`);
      }
    }
    assert.deepEqual(
      watcher.received.map((m) => m.payload),
      ['lost'],
      'only the will of the lost connection, once [MQTT-3.1.2-8]',
    );
    assert.equal(onA.m.isClosed || onB.m.isClosed, false, 'no client displaced');
  });
});
