import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './kubectl';

export interface TestPki {
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
}

async function openssl(args: string[]): Promise<void> {
  const r = await run('openssl', args);
  if (r.code !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
}

/** A throwaway CA, a server certificate for localhost / 127.0.0.1 and a client certificate, made with the openssl CLI. */
export async function makePki(dir: string): Promise<TestPki> {
  const p = (f: string) => join(dir, f);
  writeFileSync(p('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=mqtt-adapter-e2e-ca',
    ].concat(['-keyout', p('ca.key'), '-out', p('ca.crt')]),
  );
  await openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    p('tls.key'),
    '-out',
    p('tls.csr'),
  ]);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      p('tls.csr'),
      '-CA',
      p('ca.crt'),
      '-CAkey',
      p('ca.key'),
      '-CAcreateserial',
    ].concat(['-days', '1', '-extfile', p('san.ext'), '-out', p('tls.crt')]),
  );
  await openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=e2e-client',
    '-keyout',
    p('client.key'),
    '-out',
    p('client.csr'),
  ]);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      p('client.csr'),
      '-CA',
      p('ca.crt'),
      '-CAkey',
      p('ca.key'),
      '-CAcreateserial',
    ].concat(['-days', '1', '-out', p('client.crt')]),
  );
  const read = (f: string) => readFileSync(p(f), 'utf8');
  return {
    caCert: read('ca.crt'),
    serverCert: read('tls.crt'),
    serverKey: read('tls.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
  };
}
