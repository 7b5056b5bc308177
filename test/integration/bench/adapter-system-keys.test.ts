import { strict as assert } from 'node:assert';
import { Redis } from 'ioredis';
import mqtt from 'mqtt';
import { AdapterSystem } from '../../../bench/systems/adapter';
import { uniqueId } from '../helpers/adapter';

const PREFIX = `mqtt-adapter-bench-${process.pid}:`;

/*
 * The bench's adapter runs on the machine's Redis under a prefix of its own.
 * What the adapter keeps there on purpose (an owner hash outlives its
 * session) has no TTL, so a run left it behind: about 202 hashes after an
 * idle qos0-sub run of the bench. Stopping the system deletes every key under
 * the prefix, those the adapter's own drain removes and those it keeps.
 */
describe('bench: the adapter system leaves no Redis keys behind', function () {
  this.timeout(60_000);
  let redis: Redis;
  const keys = (): Promise<string[]> => redis.keys(`${PREFIX}*`);

  before(() => {
    redis = new Redis('redis://127.0.0.1:6379');
  });
  after(() => redis.disconnect());

  it('deletes the keys under its prefix when a run stops it', async function () {
    const system = new AdapterSystem(false);
    const clients: mqtt.MqttClient[] = [];
    try {
      await system.start();
      assert.match(system.notes()[0], /store: redis/);
      // As the idle scenario's qos0-sub clients: clean sessions with a QoS 0 subscription, connected
      // still when the run stops the adapter, whose drain hands them off and keeps their owner hashes.
      for (let i = 0; i < 3; i++) {
        const c = await mqtt.connectAsync({
          host: '127.0.0.1',
          port: system.port,
          clientId: uniqueId('bench-keys'),
          username: 'guest',
          password: 'guest',
          reconnectPeriod: 0,
        });
        c.on('error', () => undefined);
        clients.push(c);
        await c.subscribeAsync(`bench-keys/${i}`, { qos: 0 });
      }
      assert.ok((await keys()).length > 0, 'the run has keys while the adapter runs');
      // What a run of hundreds left (about 202 hashes after idle qos0-sub, no TTL): an owner hash kept past its session.
      await redis.hset(`${PREFIX}client:{${uniqueId('bench-keys-left')}}:owner`, 'epoch', '1');
    } finally {
      await system.stop();
      for (const c of clients) c.end(true);
    }
    assert.deepEqual(await keys(), []);
  });
});
