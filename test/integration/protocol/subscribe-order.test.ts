import { strict as assert } from 'node:assert';
import { generate, type Packet } from 'mqtt-packet';
import { uniqueId } from '../helpers/adapter';
import { onCleanup } from '../helpers/cleanup';
import { deleteQueues } from '../helpers/rabbit';
import { httpGet, metricValue } from '../helpers/clients';
import { useAdapter } from '../helpers/suite';
import { sharedQueueName } from '../../../adapter/src/session/shared';
import { RawMqtt, type ProtocolLevel } from '../helpers/raw-mqtt';

/**
 * Within one adapter, order of reading is order of effect: a PUBLISH read after
 * a matching SUBSCRIBE reaches that subscription, whether or not its SUBACK is
 * out yet. Each case runs many rounds, so a race between the bind and the
 * publish shows.
 */
const ROUNDS = 50;

const subscribe = (messageId: number, topic: string, qos: 0 | 1): Packet => ({
  cmd: 'subscribe',
  messageId,
  subscriptions: [{ topic, qos }],
});

const unsubscribe = (messageId: number, topic: string): Packet => ({
  cmd: 'unsubscribe',
  messageId,
  unsubscriptions: [topic],
});

const publish = (topic: string, payload: string, qos: 0 | 1, messageId?: number): Packet => ({
  cmd: 'publish',
  topic,
  payload: Buffer.from(payload),
  qos,
  retain: false,
  dup: false,
  ...(qos > 0 ? { messageId } : {}),
});

/** One write of several packets: the adapter reads them in this order, from one chunk. */
const bytes = (level: ProtocolLevel, ...packets: Packet[]): Buffer =>
  Buffer.concat(packets.map((p) => generate(p, { protocolVersion: level })));

/** With queues declared ahead, a clean session's first QoS 1 SUBSCRIBE is a bind alone: the order must hold as well. */
for (const ready of [0, 2]) {
  const setting = ready > 0 ? ` (MQTT_ADAPTER_READY_QUEUES=${ready})` : '';
  describe(`protocol: a PUBLISH read after a SUBSCRIBE reaches it, SUBACK or not${setting}`, function () {
    this.timeout(60_000);
    const suite = useAdapter(ready > 0 ? { MQTT_ADAPTER_READY_QUEUES: String(ready) } : {});
    const readyTaken = async (): Promise<number> => {
      const { body } = await httpGet(suite.adapter.ports.http, '/metrics');
      return metricValue(body, 'mqtt_adapter_amqp_ready_queues_taken_total') ?? 0;
    };

    const connect = async (level: ProtocolLevel): Promise<RawMqtt> => {
      const { client, connack } = await RawMqtt.connect(suite.port, {
        protocolVersion: level,
        clientId: uniqueId('order'),
      });
      assert.equal(level === 5 ? connack.reasonCode : connack.returnCode, 0);
      return client;
    };

    /** Round `i`: `sub` subscribes to `filter`, `pub` publishes to `topic`; true when the PUBLISH reached `sub`. */
    const deliveredAfter = async (
      level: ProtocolLevel,
      [sub, pub]: [RawMqtt, RawMqtt],
      i: number,
      [filter, topic]: [string, string],
      qos: 0 | 1,
    ): Promise<boolean> => {
      // The PINGRESP comes back when the adapter has read the PINGREQ, so it has read the SUBSCRIBE
      // written before it in the same chunk; the PUBLISH is only written after that.
      sub.write(bytes(level, subscribe(i, filter, qos), { cmd: 'pingreq' }));
      await sub.next((p) => p.cmd === 'pingresp', 'PINGRESP');
      pub.sendPublish(topic, `m${i}`, qos, qos > 0 ? i : undefined);
      await sub.next((p) => p.cmd === 'suback' && p.messageId === i, 'SUBACK');
      if (qos > 0) await pub.next((p) => p.cmd === 'puback' && p.messageId === i, 'PUBACK');
      const got = await sub.next((p) => p.cmd === 'publish', 'PUBLISH', 1000).catch(() => undefined);
      if (got?.cmd === 'publish' && got.qos > 0) sub.puback(got.messageId as number);
      return got !== undefined;
    };

    for (const level of [4, 5] as const) {
      for (const qos of [0, 1] as const) {
        const name = `MQTT ${level === 5 ? '5' : '3.1.1'}, QoS ${qos}`;

        it(`another client's PUBLISH, read after the SUBSCRIBE, is delivered (${name})`, async () => {
          const prefix = `order/${uniqueId()}`;
          const sub = await connect(level);
          const pub = await connect(level);
          const missed: number[] = [];
          for (let i = 1; i <= ROUNDS; i++) {
            const filter = `${prefix}/${i}/+`;
            if (!(await deliveredAfter(level, [sub, pub], i, [filter, `${prefix}/${i}/x`], qos)))
              missed.push(i);
            sub.send(unsubscribe(i, filter));
            await sub.next((p) => p.cmd === 'unsuback' && p.messageId === i, 'UNSUBACK');
          }
          assert.deepEqual(missed, [], `rounds whose PUBLISH did not arrive, of ${ROUNDS}`);
        });

        it(`the same client's PUBLISH, in the write after its SUBSCRIBE, is delivered (${name})`, async () => {
          const prefix = `order/${uniqueId()}`;
          const client = await connect(level);
          const missed: number[] = [];
          for (let i = 1; i <= ROUNDS; i++) {
            const filter = `${prefix}/${i}/#`;
            client.write(
              bytes(level, subscribe(i, filter, qos), publish(`${prefix}/${i}/y`, `m${i}`, qos, i)),
            );
            await client.next((p) => p.cmd === 'suback' && p.messageId === i, 'SUBACK');
            const got = await client.next((p) => p.cmd === 'publish', 'PUBLISH', 1000).catch(() => undefined);
            if (!got) missed.push(i);
            else if (got.cmd === 'publish' && got.qos > 0) client.puback(got.messageId as number);
            if (qos > 0) await client.next((p) => p.cmd === 'puback' && p.messageId === i, 'PUBACK');
            client.send(unsubscribe(i, filter));
            await client.next((p) => p.cmd === 'unsuback' && p.messageId === i, 'UNSUBACK');
          }
          assert.deepEqual(missed, [], `rounds whose PUBLISH did not arrive, of ${ROUNDS}`);
        });
      }

      it(`another client's PUBLISH, read after a new clean session's first SUBSCRIBE, is delivered (MQTT ${level === 5 ? '5' : '3.1.1'}, QoS 1)`, async () => {
        const prefix = `order/${uniqueId()}`;
        const pub = await connect(level);
        const takenBefore = await readyTaken();
        const missed: number[] = [];
        for (let i = 1; i <= ROUNDS; i++) {
          // A session of its own each round: its queue is made (or, with ready queues, taken) by this SUBSCRIBE.
          const sub = await connect(level);
          const route: [string, string] = [`${prefix}/${i}/+`, `${prefix}/${i}/x`];
          if (!(await deliveredAfter(level, [sub, pub], i, route, 1))) missed.push(i);
          await sub.disconnect();
        }
        assert.deepEqual(missed, [], `rounds whose PUBLISH did not arrive, of ${ROUNDS}`);
        const taken = (await readyTaken()) - takenBefore;
        if (ready > 0) assert.ok(taken >= ROUNDS / 2, `sessions that took a ready queue: ${taken}`);
      });
    }

    it("another client's PUBLISH, read after a shared SUBSCRIBE, is delivered (MQTT 5, QoS 1)", async () => {
      const prefix = `order/${uniqueId()}`;
      const sub = await connect(5);
      const pub = await connect(5);
      const group = uniqueId('g');
      // The group's queues outlive the members that leave them; the test removes them.
      const queues = new Set<string>();
      onCleanup(() => deleteQueues(queues));
      const missed: number[] = [];
      for (let i = 1; i <= ROUNDS; i++) {
        const inner = `${prefix}/${i}/+`;
        const filter = `$share/${group}/${inner}`;
        queues.add(sharedQueueName({ group, filter: inner }));
        if (!(await deliveredAfter(5, [sub, pub], i, [filter, `${prefix}/${i}/x`], 1))) missed.push(i);
        sub.send(unsubscribe(i, filter));
        await sub.next((p) => p.cmd === 'unsuback' && p.messageId === i, 'UNSUBACK');
      }
      assert.deepEqual(missed, [], `rounds whose PUBLISH did not arrive, of ${ROUNDS}`);
    });
  });
}
