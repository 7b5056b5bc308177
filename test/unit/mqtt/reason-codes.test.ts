import { strict as assert } from 'node:assert';
import * as mqttPacket from 'mqtt-packet';
import { ConnackV3, Reason, connackCodeV3, disconnectCode } from '../../../adapter/src/mqtt/reason-codes';

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

describe('mqtt/reason-codes: the reason a DISCONNECT may carry', () => {
  it('keeps a reason DISCONNECT allows', () => {
    for (const r of [
      Reason.UnspecifiedError,
      Reason.NotAuthorized,
      Reason.SessionTakenOver,
      Reason.QuotaExceeded,
    ])
      assert.equal(disconnectCode(r), r);
  });

  it('turns CONNACK-only reasons into DISCONNECT ones: 0x88 into 0x89, others into 0x80', () => {
    assert.equal(disconnectCode(Reason.ServerUnavailable), Reason.ServerBusy);
    assert.equal(disconnectCode(Reason.BadUserNameOrPassword), Reason.UnspecifiedError);
    assert.equal(disconnectCode(Reason.ClientIdentifierNotValid), Reason.UnspecifiedError);
  });

  it('gives a code mqtt-packet parses in a DISCONNECT, for every reason', () => {
    for (const r of Object.values(Reason)) {
      const bytes = mqttPacket.generate(
        { cmd: 'disconnect', reasonCode: disconnectCode(r) },
        { protocolVersion: 5 },
      );
      const parser = mqttPacket.parser({ protocolVersion: 5 });
      const errors: Error[] = [];
      parser.on('error', (e: Error) => errors.push(e));
      parser.parse(bytes);
      assert.deepEqual(
        errors.map((e) => e.message),
        [],
        `reason 0x${r.toString(16)}`,
      );
    }
  });
});
