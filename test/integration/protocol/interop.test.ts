import { strict as assert } from 'node:assert';
import { uniqueId } from '../helpers/adapter';
import { useAdapter } from '../helpers/suite';
import { Mqtt } from '../helpers/mqttjs';
import { mosquittoSub, mosquittoPub, pahoSub, pahoPub } from '../helpers/clients';

describe('protocol: mosquitto and paho clients interoperate with mqtt.js', function () {
  const suite = useAdapter();
  let topic: string;

  beforeEach(() => (topic = `interop/${uniqueId()}`));

  it('mqtt.js publishes, mosquitto_sub receives', async () => {
    const sub = await mosquittoSub(suite.port, `${topic}/#`, 2);
    const pub = await Mqtt.connect(suite.port);
    await pub.publish(`${topic}/a`, 'to mosquitto 0', 0);
    await pub.publish(`${topic}/b`, 'to mosquitto 1', 1);
    const { code, stdout } = await sub.finished();
    assert.equal(code, 0);
    assert.match(stdout, new RegExp(`^${topic}/a to mosquitto 0$`, 'm'));
    assert.match(stdout, new RegExp(`^${topic}/b to mosquitto 1$`, 'm'));
  });

  it('mosquitto_pub publishes, mqtt.js receives', async () => {
    const sub = await Mqtt.connect(suite.port);
    await sub.subscribe(topic, 1);
    for (const qos of [0, 1]) {
      const { code, stderr } = await mosquittoPub(suite.port, topic, `from mosquitto ${qos}`, qos);
      assert.equal(code, 0, stderr);
    }
    assert.equal((await sub.waitFor('from mosquitto 1', topic)).qos, 1);
    assert.equal((await sub.waitFor('from mosquitto 0', topic)).qos, 0);
  });

  it('mqtt.js publishes, paho receives', async () => {
    const sub = await pahoSub(suite.port, topic, 1);
    const pub = await Mqtt.connect(suite.port);
    await pub.publish(topic, 'to paho', 1);
    const { code, stdout } = await sub.finished();
    assert.equal(code, 0);
    const line = stdout.split('\n').find((l) => l.startsWith('{')) as string;
    assert.deepEqual(JSON.parse(line), { topic, payload: 'to paho', qos: 1, retain: false });
  });

  it('paho publishes, mqtt.js receives', async () => {
    const sub = await Mqtt.connect(suite.port);
    await sub.subscribe(topic, 1);
    const { code, stdout } = await pahoPub(suite.port, topic, 'from paho', 1);
    assert.equal(code, 0, stdout);
    assert.equal((await sub.waitFor('from paho', topic)).qos, 1);
  });

  it('mosquitto_pub publishes, paho receives', async () => {
    const sub = await pahoSub(suite.port, topic, 1);
    assert.equal((await mosquittoPub(suite.port, topic, 'mosquitto to paho', 1)).code, 0);
    const { code, stdout } = await sub.finished();
    assert.equal(code, 0);
    assert.match(stdout, /"payload": "mosquitto to paho"/);
  });

  it('QoS 2 end to end: mosquitto_pub to mosquitto_sub and mqtt.js, exactly once', async () => {
    const sub = await mosquittoSub(suite.port, topic, 1, 2);
    const js = await Mqtt.connect(suite.port);
    assert.deepEqual(await js.subscribe(topic, 2), [2]);
    assert.equal((await mosquittoPub(suite.port, topic, 'exactly once', 2)).code, 0);
    const { code, stdout } = await sub.finished();
    assert.equal(code, 0);
    assert.match(stdout, new RegExp(`^${topic} exactly once$`, 'm'));
    assert.equal((await js.waitFor('exactly once', topic)).qos, 2);
    await js.publish(topic, 'marker', 1);
    await js.waitFor('marker', topic);
    assert.equal(js.received.filter((r) => r.payload === 'exactly once').length, 1);
  });
});
