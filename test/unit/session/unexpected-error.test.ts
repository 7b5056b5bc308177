import { strict as assert } from 'node:assert';
import { SessionRig, publishPacket } from '../../support/session-rig';

describe('session core on the fake broker: an unexpected error', () => {
  it('closes that one connection, counted and with DISCONNECT 0x80, and nothing else', async () => {
    const rig = new SessionRig();
    const a = await rig.connect('a', { protocolVersion: 5 });
    const links = [...rig.broker.links];
    const linkOfA = links[links.length - 1];
    const b = await rig.connect('b', { protocolVersion: 5 });
    // A bug, not a refusal: a plain TypeError thrown where a broker reply was expected.
    linkOfA.publish = () => {
      throw new TypeError('cannot read properties of undefined');
    };
    a.pipe.send(publishPacket('t/a', 'x', 1, 1));
    assert.equal((await a.pipe.next('disconnect')).reasonCode, 0x80);
    await rig.closed(a);

    const metric = await rig.deps.metrics.registry
      .getSingleMetric('mqtt_adapter_internal_errors_total')
      ?.get();
    assert.equal(
      metric?.values.reduce((n, v) => n + v.value, 0),
      1,
    );
    b.pipe.send(publishPacket('t/b', 'y', 1, 7));
    assert.equal((await b.pipe.next('puback')).messageId, 7);
    assert.equal(b.connection.phase, 'open');
    assert.equal(rig.registry.size, 1);
  });
});
