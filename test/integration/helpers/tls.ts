import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * A throwaway PKI for TLS tests, made with `openssl` in a temp dir: a CA, a
 * server certificate for localhost/127.0.0.1, and client certificates with a
 * chosen subject and SANs. EC P-256 keys, valid for a day; `remove()` deletes it all.
 */

export interface KeyPair {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Who a client certificate names. */
export interface ClientSubject {
  /** The subject's only attribute, unless `subject` is given. */
  readonly cn?: string;
  /** A whole subject in openssl's `-subj` form (`/C=GB/O=Acme/CN=d1`, UTF-8, `+` for multi-valued RDNs). */
  readonly subject?: string;
  /** subjectAltName in openssl's one-line form (`DNS:a,email:b@c`). */
  readonly san?: string;
  /** subjectAltName as lines of an openssl section, for values a one-line form cannot hold (`otherName.1=...;UTF8:a, b`). */
  readonly altNames?: readonly string[];
}

export interface Pki {
  readonly dir: string;
  readonly caFile: string;
  readonly ca: Buffer;
  readonly server: KeyPair;
  /** A client certificate signed by this CA. */
  client(name: string, subject: ClientSubject): Promise<KeyPair>;
  remove(): Promise<void>;
}

function openssl(cwd: string, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: 20_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args.join(' ')}: ${stderr || err.message}`));
      else resolve();
    });
  });
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A key and a certificate for `subject`, signed by the CA in `dir`. */
async function issue(dir: string, name: string, subject: string, extensions: string): Promise<KeyPair> {
  const keyFile = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const certFile = path.join(dir, `${name}.crt`);
  const ext = path.join(dir, `${name}.ext`);
  await writeFile(ext, extensions);
  await openssl(dir, 'req', ...KEY, '-utf8', '-keyout', keyFile, '-out', csr, '-subj', subject);
  await openssl(
    dir,
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-out',
    certFile,
    '-extfile',
    ext,
  );
  return { certFile, keyFile, cert: await readFile(certFile), key: await readFile(keyFile) };
}

export async function createPki(): Promise<Pki> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mqtt-adapter-pki-'));
  try {
    await openssl(
      dir,
      'req',
      '-x509',
      ...KEY,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '1',
      '-subj',
      '/CN=mqtt-adapter test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    const server = await issue(
      dir,
      'server',
      '/CN=localhost',
      'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
    );
    const caFile = path.join(dir, 'ca.crt');
    return {
      dir,
      caFile,
      ca: await readFile(caFile),
      server,
      client: (name, subject) =>
        issue(dir, `client-${name}`, subject.subject ?? `/CN=${subject.cn}`, clientExtensions(subject)),
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function clientExtensions(s: ClientSubject): string {
  const lines = ['extendedKeyUsage=clientAuth'];
  if (s.san) lines.push(`subjectAltName=${s.san}`);
  else if (s.altNames) lines.push('subjectAltName=@alt', '[alt]', ...s.altNames);
  return `${lines.join('\n')}\n`;
}

/** The adapter settings of a TLS listener with this PKI's server certificate. */
export function tlsEnv(pki: Pki): Record<string, string> {
  return {
    MQTT_ADAPTER_TLS_CERT_FILE: pki.server.certFile,
    MQTT_ADAPTER_TLS_KEY_FILE: pki.server.keyFile,
    MQTT_ADAPTER_TLS_CA_FILE: pki.caFile,
  };
}
