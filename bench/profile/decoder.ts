import { performance } from 'node:perf_hooks';
import { generate, type IPublishPacket, type Packet } from 'mqtt-packet';
import { decode } from '../../adapter/src/mqtt/decoder';

/**
 * `node build/bench/profile/decoder.js [rounds]`: what turning one whole frame
 * into a packet costs, for the frames that go through mqtt-packet (v5 PUBLISH,
 * SUBSCRIBE, CONNECT) and the v3.1.1 PUBLISH read directly. Prints ns per
 * frame, median and fastest of `rounds` runs (the fastest is the steadier
 * figure on a shared machine).
 */

const COUNT = 200_000;

const publish = (protocolVersion: 4 | 5, properties?: IPublishPacket['properties']): Buffer =>
  generate(
    {
      cmd: 'publish',
      topic: 'bench/decoder',
      payload: Buffer.alloc(48, 1),
      qos: 1,
      messageId: 9,
      retain: false,
      dup: false,
      ...(properties ? { properties } : {}),
    },
    { protocolVersion },
  );

const shapes: { name: string; level: number; frame: Buffer }[] = [
  { name: 'v3.1.1 PUBLISH QoS 1', level: 4, frame: publish(4) },
  {
    name: 'v5 PUBLISH QoS 1 + properties',
    level: 5,
    frame: publish(5, { contentType: 'text/plain', userProperties: { k: 'v' } }),
  },
  {
    name: 'v3.1.1 SUBSCRIBE',
    level: 4,
    frame: generate({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'a/+/c', qos: 1 }] }),
  },
  {
    name: 'v5 CONNECT (first packet)',
    level: 0,
    frame: generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 5,
      clean: true,
      clientId: 'bench-client',
      keepalive: 30,
    }),
  },
];

function run(level: number, frame: Buffer): number {
  let last: Packet | undefined;
  const start = performance.now();
  for (let i = 0; i < COUNT; i++) {
    const r = decode(frame, level);
    if ('error' in r) throw r.error;
    last = r.packet;
  }
  const ms = performance.now() - start;
  if (!last) throw new Error('nothing decoded');
  return (ms * 1e6) / COUNT;
}

function main(): void {
  const rounds = Number(process.argv[2] ?? 7);
  for (const s of shapes) {
    run(s.level, s.frame); // warm-up
    const ns = Array.from({ length: rounds }, () => run(s.level, s.frame)).sort((a, b) => a - b);
    console.log(
      `${s.name}: median ${ns[Math.floor(ns.length / 2)].toFixed(0)} ns, min ${ns[0].toFixed(0)} ns per frame (${COUNT} frames, ${rounds} rounds)`,
    );
  }
}

main();
