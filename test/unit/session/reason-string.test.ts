import assert from 'node:assert/strict';
import type { Packet } from 'mqtt-packet';
import { clipped, sendWithReason, subackReasonString } from '../../../adapter/src/session/reason-string';
import type { Outbound } from '../../../adapter/src/session/types';

/** An Outbound that takes packets up to `limit` characters of Reason String, as a small Maximum Packet Size would. */
function outbound(limit = Infinity): { out: Outbound; sent: Packet[] } {
  const sent: Packet[] = [];
  const out: Outbound = {
    send: (p) => {
      const props = 'properties' in p ? (p.properties as { reasonString?: string } | undefined) : undefined;
      if ((props?.reasonString?.length ?? 0) > limit) return false;
      sent.push(p);
      return true;
    },
    congested: false,
    drained: () => Promise.resolve(),
    pauseReading: () => undefined,
    close: () => undefined,
  };
  return { out, sent };
}

describe('session/reason-string', () => {
  it('names each refused SUBSCRIBE filter and why, and nothing when all were granted', () => {
    assert.equal(subackReasonString(['a', 'b'], [0, 2]), undefined);
    assert.equal(
      subackReasonString(['a', 'a/#/b', 'c', 'd'], [1, 0x8f, 0x97, 0x9e]),
      '"a/#/b": not a valid topic filter; "c": the client holds as many filters as it may ' +
        '(MQTT_ADAPTER_MAX_SUBSCRIPTIONS_PER_CLIENT); "d": refused (0x9e)',
    );
  });

  it('clips a long reason to 256 characters', () => {
    assert.equal(clipped('x'.repeat(300)).length, 256);
    assert.equal(clipped('short'), 'short');
  });

  it('sends the reason only when allowed, and the bare packet when the reason would not fit', () => {
    const puback: Extract<Packet, { cmd: 'puback' }> = { cmd: 'puback', messageId: 1, reasonCode: 0x97 };
    const allowed = outbound();
    sendWithReason(allowed.out, puback, 'why', true);
    assert.deepEqual(allowed.sent, [{ ...puback, properties: { reasonString: 'why' } }]);
    const refused = outbound();
    sendWithReason(refused.out, puback, 'why', false);
    assert.deepEqual(refused.sent, [puback]);
    const small = outbound(2);
    sendWithReason(small.out, puback, 'why', true);
    assert.deepEqual(small.sent, [puback]);
  });
});
