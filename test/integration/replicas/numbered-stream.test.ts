import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { MqttClient } from 'mqtt';
import { GUEST, uniqueId } from '../helpers/adapter';
import { until } from '../helpers/wait';
import { NumberedStream } from './numbered-stream';
import { Replicas } from './replicas';

/*
 * The rebalance scenario's publisher through a replica that stops answering
 * for 1.5 s, as one does under load: 150 ticks come due meanwhile, and an
 * MQTT 5 client that sent them all would be closed with DISCONNECT 0x93
 * (Receive Maximum, 64 by default) once the replica reads them.
 */
describe('replicas: the numbered stream keeps within the Receive Maximum', function () {
  this.timeout(60_000);
  const set = new Replicas();
  let client: MqttClient | undefined;

  after(async () => {
    await client?.endAsync(true);
    await set.cleanup();
  });

  it('holds its ticks while the window is full, and is not disconnected', async () => {
    const [a] = await set.start(1);
    const id = uniqueId('stream-pub');
    set.sessionQueue(id);
    client = new MqttClient(() => net.connect({ host: '127.0.0.1', port: a.ports.mqtt }), {
      clientId: id,
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: 600 },
      reconnectPeriod: 100,
      ...GUEST,
    });
    const seen: string[] = [];
    client.on('disconnect', (p) => seen.push(`DISCONNECT 0x${(p.reasonCode ?? 0).toString(16)}`));
    client.on('close', () => seen.push('close'));
    const stream = new NumberedStream(client, `stream/${id}`, 10);
    stream.start();
    try {
      await until(() => stream.acked.size >= 20, 'the stream flowing', 10_000);
      a.signal('SIGSTOP');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      a.signal('SIGCONT');
      const resumed = stream.published;
      await until(() => stream.acked.size >= resumed + 50, 'the stream going on', 10_000);
    } finally {
      a.signal('SIGCONT');
      stream.stop();
    }
    await until(() => stream.unacked === 0, 'every publish answered', 10_000);
    assert.deepEqual(seen, []);
    assert.ok(stream.held > 0, 'the window was never full: the stall did not test the bound');
    assert.equal(stream.acked.size, stream.published);
  });
});
