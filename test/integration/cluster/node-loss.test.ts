import { strict as assert } from 'node:assert';
import type { Adapter } from '../../../adapter/src/server';
import { RabbitCluster } from '../../support/rabbit-cluster';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { adapterConnectionName } from '../helpers/rabbit';
import { until } from '../helpers/wait';
import { NumberedInbox, NumberedPublisher, Roaming } from './numbered';

/**
 * The adapter in front of a private 3-node RabbitMQ cluster with quorum
 * session queues: pooled connections spread over the nodes, and the SIGKILL
 * of one node's VM (a minority) costs no PUBACKed QoS 1 message and no
 * session; the clients it held are disconnected and come back through the
 * other nodes.
 */
describe('cluster: a RabbitMQ node dies under quorum sessions', function () {
  // Three nodes boot in 35 to 75 s on a busy 2-core machine.
  this.timeout(240_000);
  const users = [0, 1, 2].map((i) => ({ username: uniqueId(`clu${i}`), password: uniqueId('pw') }));
  const run = uniqueId('clu');
  let cluster: RabbitCluster | undefined;
  let adapter: Adapter | undefined;
  const clients: Roaming[] = [];

  const ctl = (...args: string[]): Promise<string> => (cluster as RabbitCluster).ctl(0, ...args);

  before(async function () {
    const started = Date.now();
    cluster = await RabbitCluster.start(3);
    console.log(`      cluster of 3 started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await cluster.addUsers(users);
    adapter = await startAdapter({
      MQTT_ADAPTER_AMQP_URL: cluster.nodes.map((n) => `amqp://127.0.0.1:${n.amqpPort}`).join(','),
      MQTT_ADAPTER_QUEUE_TYPE: 'quorum',
      MQTT_ADAPTER_AMQP_CONNECT_TIMEOUT_MS: '3000',
    });
  });

  after(async function () {
    await Promise.all(clients.map((c) => c.end()));
    await adapter?.stop();
    await cluster?.stop();
  });

  /** Which node holds each user's pooled connection, by its connection name. */
  async function nodeOfUser(via: number): Promise<Map<string, number>> {
    const c = cluster as RabbitCluster;
    const byNode = await c.connectionsByNode(via);
    const where = new Map<string, number>();
    c.nodes.forEach((n, i) => {
      for (const u of users) {
        if (byNode.get(n.name)?.includes(adapterConnectionName(adapter!.pod, u.username)))
          where.set(u.username, i);
      }
    });
    return where;
  }

  const sessions = users.map((u, i) => ({ ...u, clientId: `${run}-sub${i}`, topic: `${run}/t${i}` }));
  const publishers: NumberedPublisher[] = [];
  const inboxes: NumberedInbox[] = [];
  const subscribers: Roaming[] = [];
  const pubClients: Roaming[] = [];

  it('spreads pooled connections one per node, each named after its pod and user', async function () {
    const port = adapter!.ports.mqtt;
    for (const s of sessions) {
      const login = { username: s.username, password: s.password };
      const sub = await Roaming.connect(port, { clientId: s.clientId, clean: false, ...login });
      clients.push(sub);
      subscribers.push(sub);
      await sub.client.subscribeAsync(s.topic, { qos: 1 });
      inboxes.push(new NumberedInbox(sub, s.topic));
      const pub = await Roaming.connect(port, { clientId: `${s.clientId}-pub`, clean: true, ...login });
      clients.push(pub);
      pubClients.push(pub);
    }
    const where = await nodeOfUser(0);
    assert.deepEqual(
      users.map((u) => where.get(u.username)),
      [0, 1, 2],
    );
    const types = await ctl('list_queues', '--no-table-headers', 'name', 'type');
    for (const s of sessions) assert.match(types, new RegExp(`mqtt-subscription-${s.clientId}qos1\\tquorum`));
  });

  it('loses no PUBACKed QoS 1 message when a node is SIGKILLed; its clients resume elsewhere with their sessions', async function () {
    const c = cluster as RabbitCluster;
    sessions.forEach((s, i) => publishers.push(new NumberedPublisher(pubClients[i], s.topic)));
    await until(() => publishers.every((p) => p.acked.size >= 20), 'traffic before the kill', 20_000);

    const victim = 2;
    const closesBefore = clients.map((r) => r.closes);
    await c.killNode(victim);
    // The victim node's user loses both its clients; the others never notice.
    await until(
      () => subscribers[victim].closes > closesBefore[clients.indexOf(subscribers[victim])],
      'victim closed',
    );
    await until(
      () => subscribers[victim].resumes.length > 0 && subscribers[victim].client.connected,
      'victim back',
      30_000,
    );
    await until(() => pubClients[victim].client.connected, 'victim publisher back', 30_000);
    const ackedAtReturn = publishers[victim].acked.size;
    await until(() => publishers[victim].acked.size >= ackedAtReturn + 20, 'traffic after the kill', 30_000);
    await Promise.all(publishers.map((p) => p.stop()));

    for (const [i, inbox] of inboxes.entries()) {
      await until(
        () => inbox.lost(publishers[i].acked) === 0,
        `subscriber ${i} has every PUBACKed message`,
        30_000,
      ).catch(() => undefined);
    }
    const counts = {
      published: publishers.reduce((n, p) => n + p.published, 0),
      pubacked: publishers.reduce((n, p) => n + p.acked.size, 0),
      delivered: inboxes.reduce((n, b) => n + b.counts.size, 0),
      lost: inboxes.reduce((n, b, i) => n + b.lost(publishers[i].acked), 0),
      duplicated: inboxes.reduce((n, b) => n + b.duplicated, 0),
      resumed: subscribers.reduce((n, s) => n + s.resumes.length, 0),
      resumedWithSession: subscribers.reduce((n, s) => n + s.resumes.filter(Boolean).length, 0),
    };
    console.log(`      ${JSON.stringify(counts)}`);
    assert.equal(counts.lost, 0);
    assert.ok(counts.resumed >= 1, 'the victim subscriber reconnected');
    assert.equal(counts.resumedWithSession, counts.resumed, 'every resume found its session');
    // Only the dead node's clients were disconnected.
    clients.forEach((r, i) => {
      const onVictim = r === subscribers[victim] || r === pubClients[victim];
      if (!onVictim) assert.equal(r.closes, closesBefore[i], `client ${i} was not on the dead node`);
    });
    const where = await nodeOfUser(0);
    assert.deepEqual(
      users.map((u) => where.get(u.username)),
      [0, 1, where.get(users[victim].username)],
    );
    assert.ok(
      [0, 1].includes(where.get(users[victim].username) ?? -1),
      'the victim user reconnected through a live node',
    );
  });
});
