import { strict as assert } from 'node:assert';
import { startAdapter } from '../helpers/adapter';
import type { Adapter } from '../../../adapter/src/server';
import { pahoMessages, pahoV5Pub, pahoV5Sub } from './paho';
import { V5, uniqueTopic } from './support';
import { useCleanup } from '../helpers/suite';
import { pahoSub } from '../helpers/clients';

/**
 * MQTT 3.1.1 and MQTT 5 clients on the same topics, and python3-paho-mqtt's
 * MQTT 5 client next to mqtt.js: properties set by one client library arrive
 * in the other, and a v3.1.1 client gets the same messages without them.
 */
describe('MQTT 3.1.1 and MQTT 5 interoperation, mqtt.js and paho (issue 6)', function () {
  let adapter: Adapter;

  before(async function () {
    adapter = await startAdapter();
  });
  after(async function () {
    await adapter?.stop();
  });
  useCleanup();

  for (const qos of [1, 2] as const) {
    it(`delivers between MQTT 3.1.1 and MQTT 5 clients both ways at QoS ${qos}`, async function () {
      const topic = uniqueTopic('v3v5');
      const v3 = await V5.connect(adapter.ports.mqtt, { protocolVersion: 4 });
      const v5 = await V5.connect(adapter.ports.mqtt);
      assert.deepEqual(await v3.subscribe(`${topic}/to3`, { qos }), [qos]);
      assert.deepEqual(await v5.subscribe(`${topic}/to5`, { qos }), [qos]);
      await v5.publish(`${topic}/to3`, 'from-5', {
        qos,
        properties: { contentType: 'text/plain', userProperties: { k: 'v' } },
      });
      await v3.publish(`${topic}/to5`, 'from-3', { qos });
      const at3 = await v3.waitFor('from-5');
      assert.equal(at3.qos, qos);
      assert.equal(at3.properties, undefined, 'a v3.1.1 client gets no properties');
      const at5 = await v5.waitFor('from-3');
      assert.equal(at5.qos, qos);
    });
  }

  it('carries properties from a paho MQTT 5 publisher to an mqtt.js MQTT 5 subscriber', async function () {
    const topic = uniqueTopic('paho-to-js');
    const sub = await V5.connect(adapter.ports.mqtt);
    await sub.subscribe(topic, { qos: 2 });
    const res = await pahoV5Pub(adapter.ports.mqtt, topic, 'from-paho', [
      '--qos',
      '2',
      '--content-type',
      'application/x-paho',
      '--response-topic',
      `${topic}/reply`,
      '--correlation-data',
      'corr-paho',
      '--user-property',
      'lib=paho',
      '--expiry',
      '120',
      '--utf8',
    ]);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const m = await sub.waitFor('from-paho');
    assert.equal(m.qos, 2);
    assert.equal(m.properties?.contentType, 'application/x-paho');
    assert.equal(m.properties?.responseTopic, `${topic}/reply`);
    assert.deepEqual(m.properties?.correlationData, Buffer.from('corr-paho'));
    assert.deepEqual({ ...m.properties?.userProperties }, { lib: 'paho' });
    assert.equal(m.properties?.payloadFormatIndicator, true);
    const left = m.properties?.messageExpiryInterval ?? 0;
    assert.ok(left > 100 && left <= 120, `expiry ${left}`);
  });

  it('carries properties and the Subscription Identifier from mqtt.js to a paho MQTT 5 subscriber', async function () {
    const topic = uniqueTopic('js-to-paho');
    const sub = await pahoV5Sub(adapter.ports.mqtt, topic, 1, ['--qos', '1', '--sub-id', '42']);
    const pub = await V5.connect(adapter.ports.mqtt);
    await pub.publish(topic, 'from-js', {
      qos: 1,
      properties: {
        contentType: 'text/x-js',
        correlationData: Buffer.from('corr-js'),
        responseTopic: `${topic}/r`,
        userProperties: { lib: 'mqtt.js' },
      },
    });
    const done = await sub.finished();
    assert.equal(done.code, 0, done.stdout + done.stderr);
    const [m] = pahoMessages(done);
    assert.equal(m.payload, 'from-js');
    assert.equal(m.qos, 1);
    assert.equal(m.properties.contentType, 'text/x-js');
    assert.equal(m.properties.correlationData, 'corr-js');
    assert.equal(m.properties.responseTopic, `${topic}/r`);
    assert.deepEqual(m.properties.userProperties, [['lib', 'mqtt.js']]);
    assert.deepEqual(m.properties.subscriptionIdentifier, [42]);
  });

  it('delivers from a paho MQTT 5 publisher to a paho MQTT 3.1.1 subscriber', async function () {
    const topic = uniqueTopic('paho5-to-3');
    const sub = await pahoSub(adapter.ports.mqtt, topic, 1, 1);
    const res = await pahoV5Pub(adapter.ports.mqtt, topic, 'five-to-three', [
      '--qos',
      '1',
      '--content-type',
      'x/y',
    ]);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const done = await sub.finished();
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.match(done.stdout, /five-to-three/);
  });
});
