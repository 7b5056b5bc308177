import { strict as assert } from 'node:assert';
import { SessionRig } from '../../support/session-rig';

const will = { topic: 'will/t', payload: Buffer.from('gone'), qos: 1 as const, retain: false };

/*
 * A store write whose reply never came (Redis stalled past the command timeout,
 * a failover) may still have run. What it may have stored is undone as if it
 * had: no reply is not no effect.
 */
describe('session core on the fake broker: a store write whose reply is lost', () => {
  it('a will stored by a CONNECT that is then refused is removed, never published when the client comes back', async () => {
    const rig = new SessionRig();
    const { wills } = rig.stores;
    const put = wills.put.bind(wills);
    let lost = 0;
    wills.put = async (...args) => {
      wills.put = put;
      await put(...args);
      lost++;
      throw new Error('Command timed out');
    };
    const c = rig.start('lossy', { will });
    const refused = await c.pipe.next('connack');
    assert.equal(refused.returnCode, 0x03, 'server unavailable');
    assert.equal(lost, 1, 'the will was stored and its reply lost');
    await rig.clock.advance(2000);
    await rig.closed(c);
    // The same client id again, clean: a will left stored would be taken as its predecessor's and published.
    await rig.connect('lossy');
    await rig.deps.willPublisher.settled();
    const published = (await rig.deps.metrics.willsPublished.get()).values.reduce((n, v) => n + v.value, 0);
    assert.equal(published, 0, 'no will of a connection that never opened');
    assert.equal(await wills.supersede('lossy', Number.MAX_SAFE_INTEGER), undefined, 'nothing stored');
  });

  it('the will a CONNECT took over, its reply lost, is published by the retry, once', async () => {
    const rig = new SessionRig();
    const { wills } = rig.stores;
    await rig.connect('taken', { will });
    // As Redis does: the will is taken and kept for a retry under the same epoch.
    const supersede = wills.supersede.bind(wills);
    const kept = new Map<number, Awaited<ReturnType<typeof supersede>>>();
    wills.supersede = async (clientId, epoch) => {
      if (kept.has(epoch)) {
        const again = kept.get(epoch);
        kept.set(epoch, undefined);
        return again;
      }
      kept.set(epoch, await supersede(clientId, epoch));
      throw new Error('Command timed out');
    };
    const c = rig.start('taken');
    const refused = await c.pipe.next('connack');
    assert.equal(refused.returnCode, 0x03, 'server unavailable');
    await rig.clock.advance(2000);
    await rig.deps.willPublisher.settled();
    const published = (await rig.deps.metrics.willsPublished.get()).values.reduce((n, v) => n + v.value, 0);
    assert.equal(published, 1, 'the will of the connection taken over');
    assert.equal(rig.deps.backlog.size, 0, 'the retry is done');
  });
});
