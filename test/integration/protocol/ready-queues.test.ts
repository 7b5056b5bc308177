import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { GUEST, uniqueId } from '../helpers/adapter';
import { Mqtt } from '../helpers/mqttjs';
import {
  adapterConnectionName,
  addUser,
  bindingKeys,
  connectionPids,
  deleteUser,
  findQueue,
  listQueues,
  rabbitmqctl,
  setPermissions,
} from '../helpers/rabbit';
import { useAdapter } from '../helpers/suite';
import { delay, until } from '../helpers/wait';
import { queueNameFor } from '../../../adapter/src/session/subscriptions';

const READY = 2;

/**
 * MQTT_ADAPTER_READY_QUEUES: a clean session's first QoS 1 SUBSCRIBE binds a
 * queue its pooled connection declared ahead, instead of declaring one named
 * after the client id; RabbitMQ's permissions may refuse such queues, and the
 * session then declares its own as without the setting.
 */
describe('protocol: ready queues (MQTT_ADAPTER_READY_QUEUES)', function () {
  this.timeout(60_000);
  const pod = `ready-${randomBytes(4).toString('hex')}`;
  const prefix = `mqtt-subscription-ready-${pod}-`;
  const suite = useAdapter({ MQTT_ADAPTER_READY_QUEUES: String(READY), MQTT_ADAPTER_POD_NAME: pod });

  const readyQueues = async (): Promise<{ name: string; consumers: number }[]> =>
    (await listQueues()).filter((q) => q.name.startsWith(prefix));

  /** The queues of this adapter's ready-queue names whose owner is its pooled connection of `user`. */
  const readyQueuesOf = async (user: string): Promise<string[]> => {
    const pids = new Set(await connectionPids(adapterConnectionName(pod, user)));
    const out = await rabbitmqctl('list_queues', '--no-table-headers', 'name', 'owner_pid');
    return out
      .split('\n')
      .map((l) => l.split('\t'))
      .filter(([name, owner]) => name?.startsWith(prefix) && pids.has(owner))
      .map(([name]) => name);
  };

  /** A clean QoS 1 subscriber of `filter`, as `user`. */
  const subscriber = async (filter: string): Promise<Mqtt> => {
    const sub = await Mqtt.connect(suite.port, { ...GUEST, clientId: uniqueId('ready'), clean: true });
    assert.deepEqual(await sub.subscribe(filter, 1), [1]);
    return sub;
  };

  it('a clean QoS 1 subscriber gets its messages through a ready queue, deleted at its disconnect', async () => {
    const topic = `ready/${uniqueId()}`;
    // The connection's first subscriber finds none ready; its SUBSCRIBE starts the declares.
    const first = await subscriber(`${topic}/first`);
    await until(
      async () => (await readyQueues()).filter((q) => q.consumers === 0).length === READY,
      'ready queues',
    );
    assert.equal((await readyQueuesOf('guest')).length, READY, 'exclusive to the pooled connection of guest');

    const clientId = uniqueId('ready');
    const sub = await Mqtt.connect(suite.port, { ...GUEST, clientId, clean: true });
    assert.deepEqual(await sub.subscribe(`${topic}/+`, 1), [1]);
    const pub = await Mqtt.connect(suite.port);
    await pub.publish(`${topic}/a`, 'through a ready queue', 1);
    const got = await sub.waitFor('through a ready queue');
    assert.equal(got.qos, 1);

    assert.equal(await findQueue(queueNameFor(clientId)), undefined, 'no queue named after the client id');
    const taken = (await readyQueues()).filter((q) => q.consumers === 1);
    const held: string[] = [];
    for (const q of taken)
      if ((await bindingKeys(q.name)).includes(`${topic.replace('/', '.')}.*`)) held.push(q.name);
    assert.equal(
      held.length,
      1,
      `one ready queue bound to the filter, of ${taken.map((q) => q.name).join(', ')}`,
    );
    // Its consumer's tag names the client, which the queue's name no longer does.
    const consumers = await rabbitmqctl('list_consumers', '--no-table-headers', 'queue_name', 'consumer_tag');
    assert.ok(consumers.includes(`${held[0]}\t${held[0]} ${clientId}`), consumers);
    // Its replacement is declared behind it.
    await until(
      async () => (await readyQueues()).filter((q) => q.consumers === 0).length === READY,
      'replacement',
    );

    await sub.end();
    await until(
      async () => (await findQueue(held[0])) === undefined,
      'the taken queue deleted at disconnect',
    );
    await first.end();
    await pub.end();
  });

  for (const refused of ['configure', 'read'] as const) {
    it(`a user whose ${refused} permission refuses ready queue names subscribes with a client-id queue`, async () => {
      const user = uniqueId('ready-user');
      const password = 'secret';
      await addUser(user, password);
      try {
        // Client-id queue names end in qos1; ready ones never do.
        const own = '^mqtt-subscription-.*qos1$';
        if (refused === 'configure') await setPermissions(user, own, '.*', '.*');
        else await setPermissions(user, '.*', '.*', `^(amq\\.topic|${own.slice(1, -1)})$`);
        const login = { username: user, password };
        const topic = `ready/${uniqueId()}`;
        // The first starts the declares, which RabbitMQ refuses; the next ones come after.
        const subs: Mqtt[] = [];
        for (let i = 0; i < 3; i++) {
          const clientId = uniqueId('ready');
          const sub = await Mqtt.connect(suite.port, { ...login, clientId, clean: true });
          subs.push(sub);
          assert.deepEqual(await sub.subscribe(`${topic}/${i}`, 1), [1]);
          assert.ok(await findQueue(queueNameFor(clientId)), `client ${i} has its client-id queue`);
          await sub.publish(`${topic}/${i}`, `m${i}`, 1);
          await sub.waitFor(`m${i}`);
        }
        // A declare refused in the background, and the clean-up of one whose read check was refused, are done by now.
        await delay(500);
        assert.equal(subs.length, 3);
        assert.ok(
          (await connectionPids(adapterConnectionName(pod, user))).length > 0,
          'the pooled connection is up',
        );
        assert.deepEqual(await readyQueuesOf(user), [], 'no ready queue is left on the pooled connection');
        for (const sub of subs) await sub.end();
      } finally {
        await deleteUser(user);
      }
    });
  }
});
