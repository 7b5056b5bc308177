import { execFile } from 'node:child_process';
import * as net from 'node:net';
import { promisify } from 'node:util';
import { cpuSeconds, loadAverage } from '../proc/cpu';
import { GENERATOR_CPU, SYSTEM_CPU, pin, pinnedCommand } from '../proc/pin';
import { aggregateRate, crosscheckTool } from '../scenarios/crosscheck';
import { child, corked, counters, echo, listen, perMessage } from './relay-parts';

/**
 * `node build/bench/profile/mqtt-relay-floor.js [COUNT] [CLIENTS]`: what a
 * Node process pays per message for the closed-loop QoS 1 publish of the
 * cross-check tool with no protocol work beyond MQTT's framing, to set the
 * adapter's CPU per message in that scenario against.
 *
 * The relay answers CONNECT with CONNACK and PINGREQ with PINGRESP, sends
 * each PUBLISH upstream (an echo standing in for RabbitMQ) corked until the
 * end of the event-loop turn, tagged with its client and packet id, and
 * answers with PUBACK when it comes back, as the adapter does after
 * RabbitMQ's confirm. The cross-check tool (scripts/bench-tools.sh) drives it:
 * CLIENTS clients, each publishing COUNT 100-byte QoS 1 messages and waiting
 * for each PUBACK. Relay and echo are pinned to the systems' CPU, the tool to
 * the other.
 */

const run = promisify(execFile);
const TAG = 6; // u16 length of what follows, u16 client, u16 packet id

/** Splits one connection's bytes into MQTT packets; `on` gets the first byte, the whole packet and where its variable header starts. */
function packets(on: (type: number, p: Buffer, at: number) => void): (d: Buffer) => void {
  let rest: Buffer | undefined;
  return (d) => {
    let b = rest ? Buffer.concat([rest, d]) : d;
    rest = undefined;
    for (;;) {
      let len = 0;
      let mul = 1;
      let i = 1;
      for (; i < b.length && i <= 4; i++) {
        len += (b[i] & 0x7f) * mul;
        mul *= 128;
        if (b[i] < 0x80) break;
      }
      if (i >= b.length || b.length < i + 1 + len) break;
      on(b[0], b.subarray(0, i + 1 + len), i + 1);
      b = b.subarray(i + 1 + len);
      if (b.length === 0) return;
    }
    rest = Buffer.from(b);
  };
}

async function relay(upstreamPort: number): Promise<void> {
  const up = net.connect(upstreamPort, '127.0.0.1');
  up.setNoDelay(true);
  const toUpstream = corked(up, setImmediate);
  const clients: net.Socket[] = [];
  let back: Buffer | undefined;
  up.on('data', (d: Buffer) => {
    let b = back ? Buffer.concat([back, d]) : d;
    back = undefined;
    while (b.length >= TAG && b.length >= 2 + b.readUInt16BE(0)) {
      const c = clients[b.readUInt16BE(2)];
      c.write(Buffer.from([0x40, 2, b[4], b[5]]));
      b = b.subarray(2 + b.readUInt16BE(0));
    }
    if (b.length) back = Buffer.from(b);
  });
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('error', () => undefined);
    const id = clients.push(s) - 1;
    s.on(
      'data',
      packets((type, p, at) => {
        const kind = type >> 4;
        if (kind === 1) s.write(Buffer.from([0x20, 2, 0, 0]));
        else if (kind === 12) s.write(Buffer.from([0xd0, 0]));
        else if (kind === 14) s.end();
        else if (kind === 3 && ((type >> 1) & 3) === 1) {
          const topicLen = p.readUInt16BE(at);
          const tag = Buffer.alloc(TAG);
          tag.writeUInt16BE(TAG - 2 + p.length, 0);
          tag.writeUInt16BE(id, 2);
          p.copy(tag, 4, at + 2 + topicLen, at + 4 + topicLen);
          toUpstream(tag);
          toUpstream(p);
        }
      }),
    );
  });
  process.send?.(await listen(server));
}

async function measure(count: number, clients: number): Promise<void> {
  const tool = crosscheckTool();
  if (!tool) throw new Error('no cross-check tool: run scripts/bench-tools.sh');
  const e = child(__filename, 'echo', []);
  const upstream = (await e.ready) as number;
  const r = child(__filename, 'relay', [String(upstream)]);
  const port = (await r.ready) as number;
  const relayPid = r.proc.pid as number;
  const echoPid = e.proc.pid as number;
  try {
    await pin(relayPid, SYSTEM_CPU);
    await pin(echoPid, SYSTEM_CPU);
    const argv = [tool, `-broker=tcp://127.0.0.1:${port}`, '-topic=floor/t', '-qos=1', '-size=100'];
    const [cmd, args] = pinnedCommand(GENERATOR_CPU, [...argv, `-count=${count}`, `-clients=${clients}`]);
    const a = counters(relayPid);
    const ea = cpuSeconds(echoPid);
    const { stdout } = await run(cmd, args, { timeout: 300_000 });
    const b = counters(relayPid);
    const eb = cpuSeconds(echoPid);
    const n = count * clients;
    const rate = aggregateRate(stdout);
    const [cpu, ...rest] = perMessage(a, b, n);
    console.log(`MQTT relay floor, closed-loop QoS 1: ${clients} clients x ${count}, load ${loadAverage()}`);
    console.log(
      '| tool msg/s | relay µs/msg | echo µs/msg | voluntary cs/msg | involuntary cs/msg | reads/msg | writes/msg |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    console.log(
      `| ${[rate === undefined ? '?' : Math.round(rate), cpu, (((eb - ea) * 1e6) / n).toFixed(1), ...rest].join(' | ')} |`,
    );
  } finally {
    r.proc.kill();
    e.proc.kill();
  }
}

const [role, arg] = process.argv.slice(2);
if (role === 'echo') void echo();
else if (role === 'relay') void relay(Number(arg));
else
  measure(Number(role ?? 2000) || 2000, Number(arg ?? 100) || 100).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
