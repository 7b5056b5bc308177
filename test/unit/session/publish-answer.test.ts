import assert from 'node:assert/strict';
import { refusal, refusalAnswer } from '../../../adapter/src/session/publish-answer';
import { MqttError } from '../../../adapter/src/mqtt/errors';
import { brokerError } from '../../../adapter/src/amqp/errors';

// Errors as amqplib raises them, classified as the client link hands them to the session.
/** RabbitMQ closed the channel over the publish. */
const channelError = (code: number, text: string): Error =>
  brokerError(
    Object.assign(new Error(`Channel closed by server: ${code} (${text}) with message "..."`), { code }),
  );
const nack = (): Error => brokerError(new Error('message nacked'));
const lost = (): Error => brokerError(new Error('channel closed'));

describe('session/publish-answer', () => {
  describe('refusal', () => {
    it('403 is 0x87 Not authorized', () => {
      assert.equal(refusal(channelError(403, 'ACCESS_REFUSED')).reason, 0x87);
    });
    it('a basic.nack is 0x97 Quota exceeded (a queue at its length limit rejects publishes)', () => {
      assert.equal(refusal(nack()).reason, 0x97);
    });
    it('another channel error RabbitMQ raised over the publish is 0x80 Unspecified error', () => {
      assert.equal(refusal(channelError(406, 'PRECONDITION_FAILED')).reason, 0x80);
    });
    it('a channel closed without a reply code leaves the outcome unknown: 0x88 Server unavailable', () => {
      assert.equal(refusal(lost()).reason, 0x88);
      assert.equal(refusal('not an error').reason, 0x88);
      assert.equal(refusal(new Error('an error the broker did not classify')).reason, 0x88);
    });
    it('the text of a nack with a reply code is a channel error, not a nack', () => {
      assert.equal(
        refusal(brokerError(Object.assign(new Error('message nacked'), { code: 541 }))).reason,
        0x80,
      );
    });
  });

  describe('refusalAnswer', () => {
    it('an MQTT 5 QoS 1 or 2 publish hears the reason and keeps the connection', () => {
      assert.equal((refusalAnswer(nack(), true) as { reason: number }).reason, 0x97);
      assert.equal(
        (refusalAnswer(channelError(403, 'ACCESS_REFUSED'), true) as { reason: number }).reason,
        0x87,
      );
    });
    it('without a failure ack (v3, QoS 0) the connection closes, with the reason for the log', () => {
      const a = refusalAnswer(nack(), false);
      assert.ok('close' in a && a.close instanceof MqttError);
      assert.equal(a.close.reason, 0x97);
    });
    it('an unknown outcome closes the connection of every version, so the client resends', () => {
      const a = refusalAnswer(lost(), true);
      assert.ok('close' in a && a.close instanceof MqttError);
      assert.equal(a.close.reason, 0x88);
    });
  });
});
