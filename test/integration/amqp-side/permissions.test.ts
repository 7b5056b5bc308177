import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import type { IPubackPacket, ISubackPacket, Packet } from 'mqtt-packet';
import { uniqueId } from '../helpers/adapter';
import { addUser, deleteUser, setPermissions, setTopicPermissions } from '../helpers/rabbit';
import { Inbox, closedOf, endMqtt } from './clients';
import { useFixture } from './fixture';
import { VHOST } from './vhost';
import { until, within } from '../helpers/wait';
import type { RawMqtt } from '../helpers/raw-mqtt';

const SUBACK_FAILURE = 0x80;
const NOT_AUTHORIZED = 0x87;

/**
 * RabbitMQ enforces a client's topic permissions because the adapter binds and
 * publishes as that client's user; a refusal must stay with the one filter or
 * the one client it concerns.
 */
describe('amqp-side: RabbitMQ permissions (403) stay isolated', function () {
  const user = uniqueId('mqtt-test-user');
  const password = uniqueId('pw');
  const prefix = uniqueId('allowed');
  // Topic permissions are regexes over AMQP routing keys: MQTT `allowed-x/a` is `allowed-x.a`.
  const allowed = (rest: string): string => `${prefix}/${rest}`;
  const denied = (rest: string): string => `${uniqueId('denied')}/${rest}`;
  const f = useFixture();

  before(async function () {
    await addUser(user, password);
    await setPermissions(user, '.*', '.*', '.*', VHOST);
    const only = `^${prefix.replace(/-/g, '\\-')}\\..*`;
    await setTopicPermissions(user, 'amq.topic', only, only, VHOST);
  });

  after(async function () {
    await deleteUser(user);
  });

  const asUser = (): Promise<MqttClient> => f.mqtt({ clientId: uniqueId('perm'), username: user, password });

  const rawAsUser = async (clean = true): Promise<RawMqtt> => {
    const { client, connack } = await f.raw({
      clientId: uniqueId('perm-raw'),
      clean,
      username: user,
      password,
    });
    assert.equal(connack.returnCode, 0);
    return client;
  };

  it('refuses only the forbidden filter of a SUBSCRIBE (0x80) and the rest work', async function () {
    // mqtt.js rejects a whole SUBSCRIBE when one filter fails, so this reads the SUBACK itself.
    const c = await rawAsUser();
    const granted = await c.subscribe([
      { topic: allowed('a'), qos: 0 },
      { topic: denied('b'), qos: 0 },
      { topic: allowed('q1/+'), qos: 1 },
      { topic: denied('c/#'), qos: 1 },
    ]);
    assert.deepEqual(granted, [0, SUBACK_FAILURE, 1, SUBACK_FAILURE]);
    // The same client keeps working on the same connection after the refusals.
    await c.publish(allowed('a'), 'zero', 0);
    await c.publish(allowed('q1/x'), 'one', 1);
    const got = await c.publishes(2);
    assert.deepEqual(got.map((p) => [p.topic, p.payload.toString()]).sort(), [
      [allowed('a'), 'zero'],
      [allowed('q1/x'), 'one'],
    ]);
    for (const p of got) if (p.qos === 1) c.puback(p.messageId!);
    assert.deepEqual(await c.subscribe([{ topic: allowed('later'), qos: 1 }]), [1]);
    await c.publish(allowed('later'), 'after-refusal', 1);
    const [after] = await c.publishes(1);
    assert.equal(after.payload.toString(), 'after-refusal');
    assert.equal(c.isClosed, false);
  });

  it("a refused QoS 1 filter leaves the client's own queue usable", async function () {
    const client = await rawAsUser();
    const granted = await client.subscribe([
      { topic: denied('x'), qos: 1 },
      { topic: allowed('raw'), qos: 1 },
    ]);
    assert.deepEqual(granted, [SUBACK_FAILURE, 1]);
    await client.publish(allowed('raw'), 'raw-1', 1);
    const [p] = await client.publishes(1);
    assert.equal(p.payload.toString(), 'raw-1');
    client.puback(p.messageId!);
  });

  it("one client's refusals never disturb other clients, of the same user or of another", async function () {
    const guestSub = await f.mqtt();
    const guestPub = await f.mqtt();
    const sameUser = await asUser();
    const offender = await rawAsUser();
    const guestTopic = `${uniqueId('guest')}/t`;
    const guestInbox = new Inbox(guestSub);
    const sameInbox = new Inbox(sameUser);
    await guestSub.subscribeAsync({ [guestTopic]: { qos: 1 } });
    await sameUser.subscribeAsync({
      [allowed('shared0')]: { qos: 0 },
      [allowed('shared1')]: { qos: 1 },
    });

    const n = 200;
    const traffic = (async (): Promise<void> => {
      for (let i = 0; i < n; i++) {
        await Promise.all([
          guestPub.publishAsync(guestTopic, `g${i}`, { qos: 1 }),
          sameUser.publishAsync(allowed('shared1'), `s${i}`, { qos: 1 }),
          sameUser.publishAsync(allowed('shared0'), `z${i}`, { qos: 0 }),
        ]);
      }
    })();
    // Meanwhile the offender is refused over and over, on the same pooled AMQP connection as `sameUser`.
    for (let i = 0; i < 20; i++) {
      const g = await offender.subscribe([{ topic: denied(`${i}`), qos: i % 2 === 0 ? 0 : 1 }]);
      assert.deepEqual(g, [SUBACK_FAILURE]);
    }
    await within(traffic, 20_000, 'concurrent traffic');
    await guestInbox.waitCount(n, 10_000);
    await sameInbox.waitCount(2 * n, 10_000);
    assert.deepEqual(
      guestInbox.payloads(),
      Array.from({ length: n }, (_, i) => `g${i}`),
    );
    assert.deepEqual(
      sameInbox.payloads(allowed('shared1')),
      Array.from({ length: n }, (_, i) => `s${i}`),
    );
    assert.deepEqual(
      sameInbox.payloads(allowed('shared0')),
      Array.from({ length: n }, (_, i) => `z${i}`),
    );
    assert.equal(offender.isClosed, false);
  });

  it('a v5 client hears 0x87 for a refused filter and a refused QoS 1 publish, and carries on', async function () {
    const c = await f.mqtt({ clientId: uniqueId('perm-v5'), username: user, password, protocolVersion: 5 });
    const inbox = new Inbox(c);
    const acks: Packet[] = [];
    c.on('packetreceive', (p) => {
      if (p.cmd === 'suback' || p.cmd === 'puback') acks.push(p);
    });
    // mqtt.js rejects the whole operation on a failure code; the packets themselves are what counts.
    c.subscribe({ [allowed('v5')]: { qos: 1 }, [denied('v5')]: { qos: 1 } }, () => undefined);
    await until(() => acks.some((p) => p.cmd === 'suback'), 'SUBACK');
    assert.deepEqual((acks.find((p) => p.cmd === 'suback') as ISubackPacket).granted, [1, NOT_AUTHORIZED]);
    c.publish(denied('v5'), 'refused', { qos: 1 }, () => undefined);
    await until(() => acks.some((p) => p.cmd === 'puback'), 'PUBACK');
    assert.equal((acks.find((p) => p.cmd === 'puback') as IPubackPacket).reasonCode, NOT_AUTHORIZED);
    assert.equal(c.connected, true);
    await c.publishAsync(allowed('v5'), 'still-here', { qos: 1 });
    await inbox.waitFor('still-here');
  });

  for (const qos of [1, 0] as const) {
    it(`a refused QoS ${qos} publish closes that v3 client only`, async function () {
      const bystander = await asUser();
      const bystanderInbox = new Inbox(bystander);
      await bystander.subscribeAsync({ [allowed('bystander')]: { qos: 1 } });
      const offender = await rawAsUser();
      offender.sendPublish(denied('pub'), 'refused', qos, qos === 1 ? 7 : undefined);
      await within(offender.closed, 5000, 'the offender closed');
      // [v3] no PUBACK for a refused publish: the closed connection is the only answer.
      assert.equal(
        offender.pendingPublishes.length + (await offenderAcks(offender)),
        0,
        'the refused publish was acknowledged',
      );
      assert.equal(bystander.connected, true);
      await bystander.publishAsync(allowed('bystander'), `still-${qos}`, { qos: 1 });
      await bystanderInbox.waitFor(`still-${qos}`);
      // The offender's user can connect again and publish what it may.
      const again = await asUser();
      await again.publishAsync(allowed('bystander'), `again-${qos}`, { qos: 1 });
      await bystanderInbox.waitFor(`again-${qos}`);
      await endMqtt(again);
      await closedOf(again);
    });
  }
});

/** How many PUBACKs a client got (0 or 1), without waiting for more. */
async function offenderAcks(c: RawMqtt): Promise<number> {
  return c
    .next((p) => p.cmd === 'puback', 'PUBACK', 1)
    .then(
      () => 1,
      () => 0,
    );
}
