import { strict as assert } from 'node:assert';
import { referencedSecrets, secretWatchChanges } from '../../../operator/src/controller/secret-watches';
import { listener } from './listener-fixture';

describe('operator: which Secrets are watched', () => {
  it('is the Secrets the listeners reference, once each, by namespace', () => {
    const a = listener({ rabbitmq: { secretName: 's1' }, defaultUser: { secretName: 'users' } }, 'a');
    const b = listener({ rabbitmq: { secretName: 's1' } }, 'b');
    const elsewhere = { ...b, metadata: { ...b.metadata, namespace: 'ns2' } };
    assert.deepEqual([...referencedSecrets([a, b, elsewhere])].sort(), ['ns1/s1', 'ns1/users', 'ns2/s1']);
    assert.deepEqual([...referencedSecrets([])], []);
  });

  it('starts the new ones and stops those no listener references any more', () => {
    const changes = secretWatchChanges(new Set(['ns1/a', 'ns1/b']), new Set(['ns1/b', 'ns1/c']));
    assert.deepEqual(changes, { start: ['ns1/c'], stop: ['ns1/a'] });
    assert.deepEqual(secretWatchChanges(new Set(['x/y']), new Set(['x/y'])), { start: [], stop: [] });
  });
});
