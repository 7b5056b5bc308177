import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { uniqueId } from '../helpers/adapter';
import {
  adapterConnectionName,
  closeConnectionsNamed,
  connectionPids,
  createUser,
  deleteUser,
} from '../helpers/rabbit';
import { Inbox, closedOf } from './clients';
import { useFixture } from './fixture';
import { VHOST } from './vhost';
import { until, within } from '../helpers/wait';

/**
 * The adapter pools one AMQP connection per (vhost, user). Losing it must
 * disconnect exactly that user's MQTT clients, and nothing at QoS 1 is lost.
 * A dedicated user makes the connection ours alone to close: other tests, and
 * other adapters, share guest's.
 */
describe('amqp-side: pooled AMQP connections and their loss', function () {
  const user = uniqueId('mqtt-test-pool');
  const password = uniqueId('pw');
  const f = useFixture();
  const name = (): string => adapterConnectionName(f.adapter.pod, user, VHOST);

  before(async function () {
    await createUser(user, password, VHOST);
  });

  after(async function () {
    await deleteUser(user);
  });

  const asUser = (options: object = {}): Promise<MqttClient> =>
    f.mqtt({ clientId: uniqueId('pool'), username: user, password, ...options });

  it('clients of one user share one AMQP connection', async function () {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const clients: MqttClient[] = [];
      for (let i = 0; i < 15; i++) clients.push(await asUser());
      await Promise.all(clients.map((c, i) => c.subscribeAsync({ [`${user}/${i}`]: { qos: 1 } })));
      assert.equal((await connectionPids(name())).length, 1);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(
        warnings.map((w) => w.message),
        [],
      );
    } finally {
      process.off('warning', onWarning);
    }
  });

  it("closing it disconnects that user's clients only; they reconnect and nothing at QoS 1 is lost", async function () {
    const t = uniqueId('loss');
    const subs = [await asUser(), await asUser()];
    const auto = await asUser({ reconnectPeriod: 200 });
    // A persistent session holding an unacked delivery when the connection goes.
    const persistentId = uniqueId('loss-persistent');
    const { client: holder } = await f.raw({
      clientId: persistentId,
      clean: false,
      username: user,
      password,
    });
    assert.deepEqual(await holder.subscribe([{ topic: `${t}/held`, qos: 1 }]), [1]);
    const guest = await f.mqtt();
    const guestInbox = new Inbox(guest);
    await guest.subscribeAsync({ [`${t}/guest`]: { qos: 1 } });
    let guestClosed = false;
    guest.on('close', () => (guestClosed = true));

    await guest.publishAsync(`${t}/held`, 'held', { qos: 1 });
    const [held] = await holder.publishes(1);
    assert.equal(held.payload.toString(), 'held');
    const reconnected = new Promise<void>((resolve) => auto.once('connect', () => resolve()));

    assert.equal(await closeConnectionsNamed(name(), 'test: AMQP connection loss'), 1);
    await within(Promise.all([...subs.map(closedOf), holder.closed]), 5000, "the user's clients closed");
    await within(reconnected, 10_000, 'mqtt.js reconnecting by itself');

    // The guest client never noticed.
    await guest.publishAsync(`${t}/guest`, 'guest-ok', { qos: 1 });
    await guestInbox.waitFor('guest-ok');
    assert.equal(guestClosed, false);

    // The user's clients come back on a fresh pooled connection and work.
    const again = await asUser();
    const inbox = new Inbox(again);
    await again.subscribeAsync({ [`${t}/after`]: { qos: 1 } });
    await auto.publishAsync(`${t}/after`, 'works-again', { qos: 1 });
    await inbox.waitFor('works-again');
    await until(async () => (await connectionPids(name())).length === 1, 'one pooled connection again');

    // The delivery that was never PUBACKed went back to the queue.
    const { client: back, connack } = await f.raw({
      clientId: persistentId,
      clean: false,
      username: user,
      password,
    });
    assert.equal(connack.sessionPresent, true);
    const [redelivered] = await back.publishes(1);
    assert.equal(redelivered.payload.toString(), 'held');
    assert.equal(redelivered.dup, true);
    back.puback(redelivered.messageId!);
    await back.disconnect();
  });
});
