import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adapterEnv } from '../../../operator/src/builders/adapter-env';
import { secretMounts } from '../../../operator/src/builders/secret-mounts';
import { repoRoot } from '../../../operator/src/codegen/load-crd';
import { loadCrd } from '../../../operator/src/codegen/load-crd';
import { listener } from './listener-fixture';

describe('operator: docs/operator.md', () => {
  const doc = readFileSync(join(repoRoot(), 'docs/operator.md'), 'utf8');

  it('names every adapter variable the operator can set', () => {
    const l = listener({
      redis: { secretName: 'r', passwordKey: 'p', mode: 'sentinel', keyPrefix: 'x:' },
      defaultUser: { secretName: 'u' },
      vhostByPort: { '1883': 'a' },
      rabbitmq: { secretName: 'rabbit', caSecretName: 'rabbit-ca' },
      tls: {
        secretName: 't',
        clientCertificate: 'required',
        caSecretName: 'ca',
        minVersion: 'TLSv1.2',
        maxVersion: 'TLSv1.3',
        ciphers: ['HIGH'],
        certificateLogin: { from: 'san', secretName: 'login', vhostByCertificate: { d: 'a' } },
      },
      webSocket: { enabled: true },
      limits: { maxConnections: 1, maxPacketSize: 1, inflightWindow: 1, sessionExpirySeconds: 1 },
    });
    for (const e of adapterEnv(l.spec, secretMounts(l.spec)))
      assert.ok(doc.includes(e.name), `${e.name} is not documented`);
  });

  it('describes every top-level spec field', () => {
    const spec = loadCrd().spec.versions[0].schema.openAPIV3Schema.properties!.spec;
    for (const field of Object.keys(spec.properties!))
      assert.ok(doc.includes(`\`${field}`), `spec.${field} is not documented`);
  });
});
