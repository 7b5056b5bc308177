import { strict as assert } from 'node:assert';
import { referencedSecretNames } from '../../../operator/src/builders/secret-mounts';
import { secretHash } from '../../../operator/src/secrets/secret-hash';
import { listener } from './listener-fixture';

const secret = (name: string, data: Record<string, string>) => ({ metadata: { name }, data });

describe('operator: referenced Secrets and their hash', () => {
  it('lists every Secret the pods mount, once', () => {
    const l = listener({
      redis: { secretName: 'rabbit' },
      defaultUser: { secretName: 'user' },
      willUser: { secretName: 'will' },
      tls: { secretName: 'cert', clientCertificate: 'optional', caSecretName: 'ca' },
    });
    assert.deepEqual(referencedSecretNames(l.spec), ['rabbit', 'user', 'will', 'cert', 'ca']);
  });

  it('changes when any value changes, not when order does', () => {
    const a = secret('a', { uri: 'YQ==', x: 'eA==' });
    const b = secret('b', { url: 'Yg==' });
    const h = secretHash([a, b]);
    assert.match(h, /^[0-9a-f]{32}$/);
    assert.equal(secretHash([b, secret('a', { x: 'eA==', uri: 'YQ==' })]), h);
    assert.notEqual(secretHash([a, secret('b', { url: 'Yw==' })]), h);
    assert.notEqual(secretHash([a]), h);
  });
});
