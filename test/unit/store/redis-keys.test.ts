import { strict as assert } from 'node:assert';
import { DEFAULT_KEY_PREFIX, RedisKeys, escapeTag } from '../../../adapter/src/store/redis/keys';

/** The part of a key Redis Cluster hashes: between the first `{` and the next `}`, when non-empty. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

describe('store: Redis key layout', () => {
  const keys = new RedisKeys();

  it('uses the default prefix mqtt-adapter:', () => {
    assert.equal(DEFAULT_KEY_PREFIX, 'mqtt-adapter:');
    assert.equal(keys.owner('c1'), 'mqtt-adapter:client:{c1}:owner');
    assert.equal(new RedisKeys('x:').session('c1'), 'x:client:{c1}:session');
  });

  it('puts every key of one client in one hash slot, whatever the client id holds', () => {
    for (const id of ['plain', 'a}b', '{x}', '}', '%7D', 'a/b/#', 'ünï', 'with space']) {
      const tags = [keys.owner(id), keys.session(id), keys.will(id), keys.inboundQos2(id)].map(hashTag);
      assert.equal(new Set(tags).size, 1, `id ${id}: ${tags.join(' ')}`);
      assert.notEqual(tags[0], keys.owner(id), `id ${id} must have a real tag`);
    }
  });

  it('maps different client ids to different tags', () => {
    const ids = ['}', '%7D', '%', '%25', '{', '%7B', 'a', 'A'];
    const tags = ids.map((id) => hashTag(keys.owner(id)));
    assert.equal(new Set(tags).size, ids.length);
  });

  it('puts the keys of one pod in one slot, and the retained set and index together', () => {
    const pod = ['podAlive', 'podClients', 'podSweeper', 'podEvents'] as const;
    assert.equal(new Set(pod.map((k) => hashTag(keys[k]('p-1')))).size, 1);
    assert.equal(hashTag(keys.retainedMessages()), hashTag(keys.retainedIndex()));
  });

  it('refuses an empty id and a prefix with braces', () => {
    assert.throws(() => escapeTag(''));
    assert.throws(() => new RedisKeys('a{b}:'));
  });
});
