import { strict as assert } from 'node:assert';
import type { IConnectPacket, ISubscribePacket } from 'mqtt-packet';
import { SessionRig } from '../../support/session-rig';

interface Scenario {
  readonly name: string;
  readonly connect: Partial<IConnectPacket>;
  readonly qos: 0 | 1 | 2;
  /** The session outlives the connection: its queue (and bindings on it) may stay. */
  readonly persistent: boolean;
}

const will = { topic: 'will/t', payload: Buffer.from('gone'), qos: 1 as const, retain: false };

const SCENARIOS: readonly Scenario[] = [
  { name: 'v3.1.1 clean, QoS 1 subscription', connect: {}, qos: 1, persistent: false },
  { name: 'v3.1.1 clean, QoS 0 (fast path) with a will', connect: { will }, qos: 0, persistent: false },
  {
    name: 'v5 persistent, QoS 1 subscription with a will',
    connect: { protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 60 }, will },
    qos: 1,
    persistent: true,
  },
];

const subscribe: ISubscribePacket = {
  cmd: 'subscribe',
  messageId: 1,
  subscriptions: [{ topic: 'step/+', qos: 1 }],
};

/** The broker requests CONNECT and SUBSCRIBE make when nothing interrupts them. */
async function requestsUntilSuback(s: Scenario): Promise<string[]> {
  const rig = new SessionRig();
  const c = rig.start('step', s.connect, [withQos(s.qos)]);
  await c.pipe.next('suback');
  return [...rig.broker.ops.sent];
}

const withQos = (qos: 0 | 1 | 2): ISubscribePacket => ({
  ...subscribe,
  subscriptions: [{ topic: 'step/+', qos }],
});

describe('session core on the fake broker: close at every step of CONNECT and SUBSCRIBE', () => {
  for (const s of SCENARIOS) {
    describe(s.name, () => {
      it('leaves no consumer, no clean-session queue or binding, no pending bind, an empty registry and a released store', async () => {
        const steps = await requestsUntilSuback(s);
        assert.ok(steps.length >= 2, `CONNECT and SUBSCRIBE made ${steps.join(', ')}`);
        for (let k = 0; k < steps.length; k++) {
          const at = `closed while waiting for reply ${k + 1} (${steps[k]})`;
          const rig = new SessionRig();
          rig.broker.ops.hold();
          const c = rig.start('step', s.connect, [withQos(s.qos)]);
          for (let i = 0; i < k; i++) {
            await rig.broker.ops.waitHeld(1);
            rig.broker.ops.step();
          }
          await rig.broker.ops.waitHeld(1);
          await rig.hangUp(c);
          rig.broker.ops.release();
          await rig.closed(c);
          // Before any deadline: the SUBSCRIBE's hold on matching publishes ended with its binds or its skip.
          assert.equal(rig.deps.pendingBinds.size, 0, `${at}: pending binds`);
          await rig.clock.advance(rig.config.closeTimeoutMs);

          const left = rig.broker.leftovers();
          assert.equal(rig.registry.size, 0, `${at}: registry`);
          assert.equal(left.consumers, 0, `${at}: consumers`);
          assert.equal(left.links, 0, `${at}: open links`);
          assert.equal(left.unacked, 0, `${at}: unacked`);
          if (!s.persistent) {
            assert.deepEqual(left.queues, [], `${at}: queues`);
            assert.deepEqual(left.bindings, [], `${at}: bindings`);
          }
          // The client id is free (no owner left) and no will waits to be published.
          const claim = await rig.stores.sessions.claim('step', { pod: 'check', connection: 'check' }, false);
          assert.equal(claim.previous, undefined, `${at}: owner released`);
          if (!s.persistent) assert.equal(claim.session, undefined, `${at}: clean session discarded`);
          assert.equal(await rig.stores.wills.supersede('step', claim.epoch), undefined, `${at}: will`);
        }
      });
    });
  }
});
