import { strict as assert } from 'node:assert';
import { newIncarnation, podOf, redisConnectionName } from '../../../adapter/src/store/incarnation';
import { verdict } from '../../../adapter/src/store/liveness-verdict';
import { namesIn } from '../../../adapter/src/store/redis/connected-names';

describe('store: incarnations and the liveness verdict', () => {
  it('gives every process start of a pod a name of its own that leads back to the pod', () => {
    const a = newIncarnation('mqtt-adapter-0');
    const b = newIncarnation('mqtt-adapter-0');
    assert.notEqual(a, b);
    assert.match(a, /^mqtt-adapter-0\/[0-9a-f]{8}$/);
    assert.equal(podOf(a), 'mqtt-adapter-0');
    assert.equal(podOf(newIncarnation('odd/pod', 'x')), 'odd/pod', 'the last slash separates');
    assert.equal(podOf('written-before-incarnations'), 'written-before-incarnations');
  });

  it('names Redis connections with the characters CLIENT SETNAME accepts only', () => {
    assert.equal(redisConnectionName('pod-0/ab12'), 'mqtt-adapter/pod-0/ab12');
    const odd = redisConnectionName('a b\nü%/1');
    assert.match(odd, /^[!-~]+$/);
    assert.equal(odd, 'mqtt-adapter/a%20b%A%FC%/1');
  });

  it('reads connection names out of CLIENT LIST', () => {
    const list =
      'id=3 addr=127.0.0.1:50000 laddr=127.0.0.1:6379 fd=8 name=mqtt-adapter/p/1 age=2 db=0\n' +
      'id=4 addr=127.0.0.1:50002 laddr=127.0.0.1:6379 fd=9 name= age=1 db=0\n' +
      'id=5 addr=127.0.0.1:50004 laddr=127.0.0.1:6379 fd=10 name=other age=1 db=0\n';
    assert.deepEqual(namesIn(list), ['mqtt-adapter/p/1', 'other']);
    assert.deepEqual(namesIn(''), []);
  });

  it('is alive within the TTL, asks for connections past it, dead once the record is gone', () => {
    assert.equal(verdict(1999, false, 2000), 'alive');
    assert.equal(verdict(2000, false, 2000), 'ask');
    assert.equal(verdict(11_999, false, 2000), 'ask');
    assert.equal(verdict(undefined, false, 2000), 'dead');
  });

  it('asks about a predecessor of its own pod at once, whatever its record says', () => {
    assert.equal(verdict(0, true, 2000), 'ask');
    assert.equal(verdict(undefined, true, 2000), 'dead');
  });
});
