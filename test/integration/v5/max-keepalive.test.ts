import { strict as assert } from 'node:assert';
import { RawMqtt } from '../helpers/raw-mqtt';
import { useAdapter } from '../helpers/suite';

const CAP = 2;

/** How long after `from` the server closed `c`, in ms, waiting up to `ms`. */
async function closedAfter(c: RawMqtt, from: number, ms: number): Promise<number> {
  await c.waitClosed(ms);
  return Date.now() - from;
}

/**
 * MQTT_ADAPTER_MAX_KEEPALIVE against raw clients: an MQTT 5 client asking for
 * more, or for none, is told Server Keep Alive = the cap and disconnected
 * after 1.5 times it of silence; one asking for less keeps its own value; an
 * MQTT 3.1.1 client asking for more, or for none, is refused with 0x02.
 */
describe('MQTT_ADAPTER_MAX_KEEPALIVE', function () {
  const suite = useAdapter({ MQTT_ADAPTER_MAX_KEEPALIVE: String(CAP) });

  for (const asked of [0, 100]) {
    it(`v5 asking for ${asked} s: Server Keep Alive ${CAP} in CONNACK, DISCONNECT 0x8D after 1.5 x ${CAP} s of silence [MQTT-3.2.2-21]`, async function () {
      const { client, connack } = await RawMqtt.connect5(suite.port, { keepalive: asked });
      const started = Date.now();
      assert.equal(connack.reasonCode, 0);
      assert.equal(connack.properties?.serverKeepAlive, CAP);
      const elapsed = await closedAfter(client, started, 6000);
      assert.equal(client.all('disconnect')[0]?.reasonCode, 0x8d);
      // Not before 1.5 x the cap; generous after it, as the machine may be loaded.
      assert.ok(elapsed >= CAP * 1500 - 100, `closed after ${elapsed} ms`);
      assert.ok(elapsed < CAP * 1500 + 2000, `closed after ${elapsed} ms`);
    });
  }

  it('v5 asking for less than the cap keeps its own keepalive, unannounced', async function () {
    const { client, connack } = await RawMqtt.connect5(suite.port, { keepalive: 1 });
    const started = Date.now();
    assert.equal(connack.reasonCode, 0);
    assert.equal(connack.properties?.serverKeepAlive, undefined);
    const elapsed = await closedAfter(client, started, 4000);
    assert.ok(elapsed >= 1400 && elapsed < CAP * 1500, `closed after ${elapsed} ms, not at 1.5 x 1 s`);
  });

  for (const asked of [0, 100]) {
    it(`3.1.1 asking for ${asked} s: refused with CONNACK 0x02 (identifier rejected), as it cannot be told the cap`, async function () {
      const { client, connack } = await RawMqtt.connect(suite.port, { keepalive: asked });
      assert.equal(connack.returnCode, 0x02);
      await client.waitClosed();
    });
  }

  it('3.1.1 within the cap is accepted and held to its own keepalive', async function () {
    const { client, connack } = await RawMqtt.connect(suite.port, { keepalive: CAP });
    const started = Date.now();
    assert.equal(connack.returnCode, 0);
    const elapsed = await closedAfter(client, started, 6000);
    assert.ok(elapsed >= CAP * 1500 - 100, `closed after ${elapsed} ms`);
  });
});
