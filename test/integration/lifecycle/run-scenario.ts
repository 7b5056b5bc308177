import { once } from 'node:events';
import * as net from 'node:net';
import { parser as createParser, type Packet } from 'mqtt-packet';
import { GUEST } from '../helpers/adapter';
import { script, type Scenario } from './scenarios';

/** No scenario waits longer than this for the packet it closes after. */
const PATIENCE_MS = 3000;

const ACKS = new Set(['puback', 'pubrec']);

/** Opens a socket, writes `bytes` (all, or up to a cut), and goes away as the scenario says. */
async function client(port: number, bytes: Buffer, s: Scenario, version: 4 | 5): Promise<void> {
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => undefined);
  await once(sock, 'connect');
  const closed = once(sock, 'close');
  const end = (): void => {
    if (s.reset) sock.resetAndDestroy();
    else sock.destroy();
  };
  const cut = s.cut;
  if (cut.kind === 'bytes') {
    sock.write(bytes.subarray(0, Math.min(cut.at, bytes.length)));
    end();
  } else if (cut.kind === 'delay') {
    sock.write(bytes);
    setTimeout(end, cut.ms);
  } else {
    const parser = createParser({ protocolVersion: version });
    const patience = setTimeout(end, PATIENCE_MS);
    parser.on('packet', (p: Packet) => {
      const hit = cut.cmd === 'ack' ? ACKS.has(p.cmd) : p.cmd === cut.cmd;
      if (hit) {
        clearTimeout(patience);
        end();
      }
    });
    parser.on('error', () => undefined);
    sock.on('data', (d: Buffer) => parser.parse(d));
    sock.on('close', () => clearTimeout(patience));
    sock.write(bytes);
  }
  await closed;
}

/**
 * One scenario: the client writes CONNECT, SUBSCRIBE and its PUBLISHes in one
 * go and vanishes at the cut; with a takeover, a second connection of the same
 * client id arrives meanwhile and vanishes after its CONNACK.
 */
export async function runScenario(port: number, s: Scenario, clientId: string, topic: string): Promise<void> {
  const bytes = script(s, clientId, topic, GUEST);
  const runs = [client(port, bytes, s, s.version)];
  if (s.takeoverAfterMs !== undefined) {
    const second: Scenario = { ...s, publishes: 0, cut: { kind: 'after', cmd: 'connack' } };
    runs.push(
      new Promise<void>((resolve) => setTimeout(resolve, s.takeoverAfterMs)).then(() =>
        client(port, script(second, clientId, topic, GUEST), second, s.version),
      ),
    );
  }
  await Promise.all(runs);
}
