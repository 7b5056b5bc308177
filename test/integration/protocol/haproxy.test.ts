import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import type { Adapter } from '../../../adapter/src/server';
import { startAdapter, uniqueId } from '../helpers/adapter';
import { closeAll } from '../helpers/cleanup';
import { connectPacket, RawMqtt } from '../helpers/raw-mqtt';
import { until, within } from '../helpers/wait';

const installed = (): boolean => !spawnSync('haproxy', ['-v'], { timeout: 5000 }).error;

/** A port free a moment ago, for haproxy to bind. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

describe('protocol: HAProxy with send-proxy-v2 in front of the adapter', function () {
  const lines: Record<string, unknown>[] = [];
  let adapter: Adapter | undefined;
  let haproxy: ChildProcess | undefined;
  let dir: string | undefined;
  let port = 0;

  before(async function () {
    if (!installed()) {
      console.log('    haproxy is not installed (apt-get install haproxy): skipping');
      this.skip();
    }
    const log = pino(
      { level: 'info' },
      { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
    );
    adapter = await startAdapter({ MQTT_ADAPTER_PROXY_PROTOCOL: 'required' }, log);
    port = await freePort();
    dir = await mkdtemp(path.join(tmpdir(), 'mqtt-adapter-haproxy-'));
    const cfg = path.join(dir, 'haproxy.cfg');
    await writeFile(
      cfg,
      [
        'defaults',
        '  mode tcp',
        '  timeout connect 5s',
        '  timeout client 30s',
        '  timeout server 30s',
        'frontend mqtt',
        `  bind 127.0.0.1:${port}`,
        '  default_backend adapter',
        'backend adapter',
        `  server a1 127.0.0.1:${adapter.ports.mqtt} send-proxy-v2`,
        '',
      ].join('\n'),
    );
    haproxy = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    haproxy.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await until(() => accepts(port), `haproxy listening (${stderr})`, 10_000);
  });

  afterEach(closeAll);

  after(async () => {
    if (haproxy && haproxy.exitCode === null && haproxy.signalCode === null) {
      const exited = new Promise((resolve) => haproxy?.once('exit', resolve));
      haproxy.kill('SIGTERM');
      await within(exited, 10_000, 'haproxy exit');
    }
    await adapter?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("connects through HAProxy and logs the client's own address, not HAProxy's", async () => {
    const clientId = uniqueId('haproxy');
    const client = await RawMqtt.open(port);
    client.send(connectPacket({ clientId }));
    assert.equal((await client.nextOf('connack', 9000)).returnCode, 0);
    await until(
      () => lines.some((l) => l.clientId === clientId && l.msg === 'client connected'),
      'client connected',
    );
    const line = lines.find((l) => l.clientId === clientId && l.msg === 'client connected');
    // HAProxy saw the client at the socket's own address; its connection to the adapter is another one.
    assert.equal(line?.remote, `127.0.0.1:${client.socket.localPort}`);
    assert.match(String(line?.proxy), /^127\.0\.0\.1:\d+$/);
    assert.notEqual(line?.proxy, line?.remote);
  });
});
