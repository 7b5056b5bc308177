import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { promisify } from 'node:util';
import type { IClientOptions } from 'mqtt';
import { generate } from 'mqtt-packet';
import { uniqueId } from '../helpers/adapter';
import { within } from '../helpers/wait';
import { useAdapter, useCleanup } from '../helpers/suite';
import { connectPacket } from '../helpers/raw-mqtt';
import { Mqtt } from '../helpers/mqttjs';

const run = promisify(execFile);
/** Made (and filled) by the suite's before hook, removed after it. */
const dir = join(tmpdir(), `mqtt-adapter-tls-${uniqueId()}`);
const file = (name: string): string => join(dir, name);
const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A CA, a server certificate for 127.0.0.1 and a client certificate it signed, and a client certificate it did not. */
async function makePki(): Promise<void> {
  const openssl = (...args: string[]) => run('openssl', args, { timeout: 30_000 });
  /** A new key and either a self-signed certificate (`.crt`) or a signing request (`.csr`). */
  const request = (name: string, cn: string, selfSigned: boolean) =>
    openssl(
      'req',
      ...(selfSigned ? ['-x509', '-days', '1'] : []),
      ...KEY,
      ...['-subj', `/CN=${cn}`, '-keyout', file(`${name}.key`)],
      ...['-out', file(`${name}.${selfSigned ? 'crt' : 'csr'}`)],
    );
  await request('ca', 'mqtt-adapter-test-ca', true);
  await request('rogue', 'rogue-client', true);
  writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const [name, cn] of [
    ['server', 'localhost'],
    ['client', 'test-client'],
  ]) {
    await request(name, cn, false);
    await openssl(
      ...['x509', '-req', '-in', file(`${name}.csr`), '-days', '1', '-extfile', file('san.ext')],
      ...['-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file(`${name}.crt`)],
    );
  }
}

const read = (name: string): Buffer => readFileSync(file(name));
const tlsEnv = (clientCert: 'none' | 'optional' | 'required'): Record<string, string> => ({
  MQTT_ADAPTER_TLS_CERT_FILE: file('server.crt'),
  MQTT_ADAPTER_TLS_KEY_FILE: file('server.key'),
  MQTT_ADAPTER_TLS_CA_FILE: file('ca.crt'),
  MQTT_ADAPTER_TLS_CLIENT_CERT: clientCert,
});

/** mqtt.js over TLS to the adapter, trusting the test CA, with the client certificate named (if any). */
function overTls(port: number, cert?: 'client' | 'rogue'): IClientOptions {
  return {
    protocol: 'mqtts',
    port,
    ca: read('ca.crt'),
    ...(cert ? { cert: read(`${cert}.crt`), key: read(`${cert}.key`) } : {}),
  };
}

/** Whether a bare TLS client with these options gets a CONNACK, or is cut off. */
async function handshake(port: number, options: tls.ConnectionOptions): Promise<'ok' | 'refused'> {
  const socket = tls.connect({ host: '127.0.0.1', port, ...options });
  socket.on('error', () => undefined);
  // With TLS 1.3 the client finishes its handshake before the server has checked the certificate,
  // so the verdict is the server's first answer: a CONNACK, or the connection closed.
  socket.once('secureConnect', () => socket.write(generate(connectPacket({ clientId: uniqueId() }))));
  return within(
    new Promise<'ok' | 'refused'>((resolve) => {
      socket.once('data', () => resolve('ok'));
      socket.once('close', () => resolve('refused'));
    }),
    5000,
    'TLS handshake and CONNACK',
  ).finally(() => socket.destroy());
}

describe('protocol: the TLS listener', function () {
  before(async function () {
    this.timeout(60_000);
    mkdirSync(dir);
    await makePki();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  useCleanup();

  describe('without client certificates', () => {
    const suite = useAdapter(tlsEnv('none'));

    it('serves MQTT over TLS on its own port, to the same exchange as plain TCP', async () => {
      const tlsPort = suite.adapter.ports.tls as number;
      assert.ok(tlsPort > 0 && tlsPort !== suite.port);
      const topic = `tls/${uniqueId()}`;
      const secure = await Mqtt.connect(tlsPort, overTls(tlsPort));
      const plain = await Mqtt.connect(suite.port);
      await plain.subscribe(topic, 1);
      await secure.publish(topic, 'over tls', 1);
      await plain.waitFor('over tls', topic);
    });
  });

  describe('with client certificates required', () => {
    const suite = useAdapter(tlsEnv('required'));

    it('accepts a client with a certificate from the CA', async () => {
      const port = suite.adapter.ports.tls as number;
      await Mqtt.connect(port, overTls(port, 'client'));
    });

    it('refuses a client without a certificate, or with one from another CA', async () => {
      const port = suite.adapter.ports.tls as number;
      const ca = read('ca.crt');
      assert.equal(await handshake(port, { ca }), 'refused');
      assert.equal(await handshake(port, { ca, cert: read('rogue.crt'), key: read('rogue.key') }), 'refused');
      assert.equal(await handshake(port, { ca, cert: read('client.crt'), key: read('client.key') }), 'ok');
    });
  });

  describe('with client certificates optional', () => {
    const suite = useAdapter(tlsEnv('optional'));

    it('accepts a client without a certificate and one with a certificate from the CA', async () => {
      const port = suite.adapter.ports.tls as number;
      await Mqtt.connect(port, overTls(port));
      await Mqtt.connect(port, overTls(port, 'client'));
    });

    it('refuses a certificate from another CA rather than ignoring it', async () => {
      const port = suite.adapter.ports.tls as number;
      const ca = read('ca.crt');
      assert.equal(await handshake(port, { ca, cert: read('rogue.crt'), key: read('rogue.key') }), 'refused');
    });
  });
});
