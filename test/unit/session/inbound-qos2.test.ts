import assert from 'node:assert/strict';
import { InboundQos2Ids } from '../../../adapter/src/session/inbound-qos2';

describe('session/inbound-qos2', () => {
  it('an unknown id is a new message', () => {
    assert.deepEqual(new InboundQos2Ids<string>().arrival(7), { kind: 'new' });
  });

  it('a retransmission before the confirm carries the original answer, and is not kept for the stored session', () => {
    const ids = new InboundQos2Ids<string>();
    ids.publishing(7, 'answer of 7');
    assert.deepEqual(ids.arrival(7), { kind: 'unconfirmed', answer: 'answer of 7' });
    assert.deepEqual(ids.awaitingRelease(), []);
  });

  it('a confirmed id awaits PUBREL; PUBREL frees it [MQTT-4.3.3-10] [MQTT-4.3.3-12]', () => {
    const ids = new InboundQos2Ids<string>();
    ids.publishing(7, 'a');
    ids.confirmed(7);
    assert.deepEqual(ids.arrival(7), { kind: 'received' });
    assert.deepEqual(ids.awaitingRelease(), [7]);
    assert.equal(ids.release(7), true);
    assert.deepEqual(ids.arrival(7), { kind: 'new' });
    assert.equal(ids.release(7), false, 'a second PUBREL finds nothing');
  });

  it('a refused id is free for a new message [MQTT-4.3.3-9]', () => {
    const ids = new InboundQos2Ids<string>();
    ids.publishing(7, 'a');
    ids.refused(7);
    assert.deepEqual(ids.arrival(7), { kind: 'new' });
    assert.deepEqual(ids.awaitingRelease(), []);
  });

  it('PUBREL for an unconfirmed id releases nothing, and the original still settles it', () => {
    const ids = new InboundQos2Ids<string>();
    ids.publishing(7, 'a');
    assert.equal(ids.release(7), false);
    ids.confirmed(7);
    assert.deepEqual(ids.awaitingRelease(), [7]);
  });

  it('a confirm of an id not publishing (released or refused meanwhile) marks nothing', () => {
    const ids = new InboundQos2Ids<string>();
    ids.confirmed(3);
    assert.deepEqual(ids.arrival(3), { kind: 'new' });
  });

  it('restored ids await PUBREL, as confirmed ones', () => {
    const ids = new InboundQos2Ids<string>();
    ids.restore([
      { id: 1, token: 't1', state: 'received' },
      { id: 2, token: 't2', state: 'received' },
    ]);
    assert.deepEqual(ids.arrival(2), { kind: 'received' });
    assert.deepEqual(ids.awaitingRelease().sort(), [1, 2]);
  });

  it('a restored pending id keeps its token for a resend; PUBREL or a new message frees it', () => {
    const ids = new InboundQos2Ids<string>();
    ids.restore([
      { id: 3, token: 't3', state: 'pending' },
      { id: 4, token: 't4', state: 'pending' },
    ]);
    assert.deepEqual(ids.arrival(3), { kind: 'pending', token: 't3' });
    assert.deepEqual(ids.awaitingRelease(), [], 'its fate is unknown: it awaits no PUBREL yet');
    ids.publishing(3, 'resent', 't3');
    assert.equal(ids.confirmed(3), 't3');
    assert.deepEqual(ids.arrival(3), { kind: 'received' });
    assert.equal(ids.release(4), true, 'the client heard a PUBREC whose record did not land');
    assert.deepEqual(ids.arrival(4), { kind: 'new' });
  });
});
