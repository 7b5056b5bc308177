import { strict as assert } from 'node:assert';
import { keyOf, listenersUsingSecret, ownerKey, splitKey } from '../../../operator/src/controller/keys';
import { resourcePath } from '../../../operator/src/kube/paths';
import { secretProblems } from '../../../operator/src/secrets/check-secrets';
import { listener } from './listener-fixture';

describe('operator: event to work-queue key mapping', () => {
  it('round-trips namespace/name keys', () => {
    assert.deepEqual(splitKey(keyOf('ns1', 'a')), ['ns1', 'a']);
  });

  it('maps a child to the listener that controls it, and ignores other owners', () => {
    const child = (kind: string, controller: boolean) => ({
      metadata: {
        namespace: 'ns1',
        ownerReferences: [{ apiVersion: 'x/v1', kind, name: 'demo', uid: 'u', controller }],
      },
    });
    assert.equal(ownerKey(child('MqttListener', true)), 'ns1/demo');
    assert.equal(ownerKey(child('MqttListener', false)), undefined);
    assert.equal(ownerKey(child('ReplicaSet', true)), undefined);
  });

  it('maps a Secret to the listeners in its namespace that mount it', () => {
    const a = listener({ rabbitmq: { secretName: 's1' } }, 'a');
    const b = listener({ rabbitmq: { secretName: 's2' }, defaultUser: { secretName: 's1' } }, 'b');
    const c = listener({ rabbitmq: { secretName: 's2' } }, 'c');
    const secret = { metadata: { namespace: 'ns1', name: 's1' } };
    assert.deepEqual(listenersUsingSecret(secret, [a, b, c]), ['ns1/a', 'ns1/b']);
    assert.deepEqual(listenersUsingSecret({ metadata: { namespace: 'other', name: 's1' } }, [a, b, c]), []);
  });
});

describe('operator: referenced Secret checks', () => {
  it('names a missing Secret and a missing key', () => {
    const l = listener({
      rabbitmq: { secretName: 'rabbit', uriKey: 'amqp' },
      redis: { secretName: 'redis' },
    });
    const secrets = new Map([['rabbit', { data: { uri: 'eA==' } }]]);
    assert.deepEqual(secretProblems(l.spec, 'ns1', secrets), [
      { reason: 'SecretKeyMissing', message: 'Secret ns1/rabbit has no key amqp' },
      { reason: 'SecretNotFound', message: 'Secret ns1/redis not found' },
    ]);
  });

  it('is empty when everything is there', () => {
    const l = listener();
    assert.deepEqual(secretProblems(l.spec, 'ns1', new Map([['rabbit', { data: { uri: 'eA==' } }]])), []);
  });
});

describe('operator: REST paths', () => {
  it('builds core and group paths', () => {
    assert.equal(resourcePath('v1', 'secrets', 'ns1', 'x'), '/api/v1/namespaces/ns1/secrets/x');
    assert.equal(resourcePath('apps/v1', 'deployments'), '/apis/apps/v1/deployments');
  });
});
