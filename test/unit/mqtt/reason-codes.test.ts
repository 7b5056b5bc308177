import { strict as assert } from 'node:assert';
import { ConnackV3, Reason, connackCodeV3 } from '../../../adapter/src/mqtt/reason-codes';

describe('mqtt/reason-codes: v5 reasons to v3 CONNACK codes [MQTT-3.2.2-3]', () => {
  it('maps each refusal to its 3.1.1 return code', () => {
    assert.equal(connackCodeV3(Reason.Success), 0x00);
    assert.equal(connackCodeV3(Reason.UnsupportedProtocolVersion), 0x01);
    assert.equal(connackCodeV3(Reason.ClientIdentifierNotValid), 0x02);
    assert.equal(connackCodeV3(Reason.ServerUnavailable), 0x03);
    assert.equal(connackCodeV3(Reason.BadUserNameOrPassword), 0x04);
    assert.equal(connackCodeV3(Reason.NotAuthorized), 0x05);
  });

  it('answers server unavailable for reasons 3.1.1 has no code for', () => {
    for (const r of [
      Reason.ServerBusy,
      Reason.UnspecifiedError,
      Reason.MalformedPacket,
      Reason.QuotaExceeded,
    ]) {
      assert.equal(connackCodeV3(r), ConnackV3.ServerUnavailable, `reason 0x${r.toString(16)}`);
    }
  });

  it('only ever returns a defined 3.1.1 code', () => {
    const v3 = new Set<number>(Object.values(ConnackV3));
    for (const r of Object.values(Reason)) assert.ok(v3.has(connackCodeV3(r)));
  });
});
