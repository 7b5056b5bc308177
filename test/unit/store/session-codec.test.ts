import { strict as assert } from 'node:assert';
import { decodeSession, encodeSession } from '../../../adapter/src/store/redis/session-codec';

describe('store: stored session codec', () => {
  it('round-trips a full session', () => {
    const state = {
      protocolVersion: 5,
      expirySeconds: 10,
      subscriptions: [{ filter: 'a/#', qos: 1 as const, noLocal: true, subscriptionId: 3 }],
      inboundQos2: [2],
      outboundPubrel: [],
    };
    assert.deepEqual(decodeSession(encodeSession(state)), state);
  });

  it('names what is wrong with malformed data', () => {
    assert.throws(() => decodeSession('[]'), /not an object/);
    assert.throws(() => decodeSession('{"protocolVersion":4,"subscriptions":[]}'), /expirySeconds/);
    const base = { protocolVersion: 4, expirySeconds: 1 };
    assert.throws(
      () => decodeSession(JSON.stringify({ ...base, subscriptions: [{ filter: 'x', qos: 3 }] })),
      /malformed/,
    );
    assert.throws(
      () =>
        decodeSession(JSON.stringify({ ...base, subscriptions: [{ filter: 'x', qos: 1, noLocal: 'yes' }] })),
      /options of x/,
    );
    assert.throws(
      () => decodeSession(JSON.stringify({ ...base, subscriptions: [], inboundQos2: ['1'] })),
      /QoS 2/,
    );
  });
});
