import { strict as assert } from 'node:assert';
import { SessionRig } from '../../support/session-rig';

const turns = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

/*
 * A CONNECT refused at its deadline still waits for RabbitMQ in the
 * background, holding its connection, session and login. Against a stalled
 * RabbitMQ the clients' retries would add such work without end; past
 * MQTT_ADAPTER_MAX_CONNECTS_IN_PROGRESS a CONNECT is refused at once instead.
 */
describe('connection: CONNECTs in progress are bounded, their work after the deadline included', () => {
  it('refuses a CONNECT at once while refused ones still wait for RabbitMQ, and takes one once they are done', async () => {
    const rig = new SessionRig({ MQTT_ADAPTER_MAX_CONNECTS_IN_PROGRESS: '2' });
    rig.broker.ops.hold();
    const first = [rig.start('a'), rig.start('b')];
    await rig.broker.ops.waitHeld(2);
    await rig.clock.advance(rig.config.connectDeadlineMs);
    for (const c of first)
      assert.equal((await c.pipe.next('connack')).returnCode, 3, 'refused at the deadline');

    const third = rig.start('c');
    assert.equal((await third.pipe.next('connack')).returnCode, 3, 'refused at once');
    await turns(5);
    assert.deepEqual(rig.broker.ops.pending, ['login', 'login'], 'the third asked RabbitMQ for nothing');

    rig.broker.ops.release();
    await turns(20);
    const later = await rig.connect('d');
    assert.equal(later.connack.returnCode, 0);
    await rig.hangUp(later);
    await rig.closed(later);
  });
});
