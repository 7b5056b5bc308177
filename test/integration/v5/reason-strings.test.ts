import { strict as assert } from 'node:assert';
import type { Packet } from 'mqtt-packet';
import { RawMqtt } from '../helpers/raw-mqtt';
import { useAdapter } from '../helpers/suite';
import { uniqueTopic } from './support';

/** A PUBLISH whose payload is not the UTF-8 its Payload Format Indicator promises: refused with 0x99. */
const badFormat = (topic: string, qos: 1 | 2, messageId: number): Packet => ({
  cmd: 'publish',
  topic,
  payload: Buffer.from([0xff, 0xfe]),
  qos,
  retain: false,
  dup: false,
  messageId,
  properties: { payloadFormatIndicator: true },
});

type Ack = Extract<Packet, { cmd: 'puback' | 'pubrec' | 'suback' }>;

/** The reason codes and Reason String of an acknowledgement. */
const summary = (p: Ack): { codes: number[]; reasonString: string | undefined } => ({
  codes: p.cmd === 'suback' ? (p.granted as number[]) : [p.reasonCode ?? 0],
  reasonString: p.properties?.reasonString,
});

/**
 * Reason Strings on failure acknowledgements, against the real adapter with
 * raw v5 clients: PUBACK, PUBREC and SUBACK with a failure code carry one
 * while the client allows it (Request Problem Information absent or 1), and
 * none when it set Request Problem Information to 0 [MQTT-3.1.2-29]; the
 * codes are the same either way, and a success carries none.
 */
describe('MQTT 5 Reason Strings on PUBACK, PUBREC and SUBACK failures', function () {
  const suite = useAdapter();

  /** The failure acknowledgements a client gets, and a successful PUBACK, under a Request Problem Information. */
  async function acks(requestProblemInformation: boolean | undefined): Promise<Ack[]> {
    const properties = requestProblemInformation === undefined ? {} : { requestProblemInformation };
    const { client } = await RawMqtt.connect5(suite.port, { properties });
    const topic = uniqueTopic('rs');
    client.send(badFormat(topic, 1, 1));
    const puback = await client.nextOf('puback');
    client.send(badFormat(topic, 2, 2));
    const pubrec = await client.nextOf('pubrec');
    client.send({
      cmd: 'subscribe',
      messageId: 3,
      subscriptions: [
        { topic, qos: 1 },
        { topic: `${topic}/#/x`, qos: 1 },
      ],
    });
    const suback = await client.nextOf('suback');
    client.sendPublish(topic, 'fine', 1, 4);
    const ok = await client.nextOf('puback');
    await client.disconnect();
    return [puback, pubrec, suback, ok];
  }

  for (const allowed of [undefined, true]) {
    it(`with Request Problem Information ${allowed === undefined ? 'absent' : '1'}: each failure says why; the success says nothing`, async function () {
      const [puback, pubrec, suback, ok] = (await acks(allowed)).map(summary);
      assert.deepEqual(puback.codes, [0x99]);
      assert.match(puback.reasonString ?? '', /not UTF-8/);
      assert.deepEqual(pubrec.codes, [0x99]);
      assert.match(pubrec.reasonString ?? '', /not UTF-8/);
      assert.deepEqual(suback.codes, [1, 0x8f]);
      assert.match(suback.reasonString ?? '', /\/#\/x": not a valid topic filter/);
      assert.deepEqual(ok, { codes: [0], reasonString: undefined });
    });
  }

  it('with Request Problem Information 0: the same codes, no Reason String [MQTT-3.1.2-29]', async function () {
    const got = (await acks(false)).map(summary);
    assert.deepEqual(got, [
      { codes: [0x99], reasonString: undefined },
      { codes: [0x99], reasonString: undefined },
      { codes: [1, 0x8f], reasonString: undefined },
      { codes: [0], reasonString: undefined },
    ]);
  });
});
