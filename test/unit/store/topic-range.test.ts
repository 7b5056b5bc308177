import { strict as assert } from 'node:assert';
import { after, prefixRange, scanPrefix } from '../../../adapter/src/store/redis/topic-range';

describe('store: retained topic ranges', () => {
  it('scans from the literal prefix, keeping the parent of a trailing # [MQTT-4.7.1-2]', () => {
    assert.equal(scanPrefix('a/b/#'), 'a/b');
    assert.equal(scanPrefix('a/+/c'), 'a/');
    assert.equal(scanPrefix('a/b/+'), 'a/b/');
    assert.equal(scanPrefix('a/+/#'), 'a/');
    assert.equal(scanPrefix('#'), '');
    assert.equal(scanPrefix('+/x'), '');
  });

  it('bounds a prefix with raw 0xff bytes, not their UTF-8 encoding', () => {
    const { min, max } = prefixRange('ä/');
    assert.deepEqual(min, Buffer.concat([Buffer.from('['), Buffer.from('ä/')]));
    assert.deepEqual(max, Buffer.concat([Buffer.from('('), Buffer.from('ä/'), Buffer.of(0xff)]));
    assert.deepEqual(after('x'), Buffer.from('(x'));
  });

  it('spans everything for an empty prefix', () => {
    const { min, max } = prefixRange('');
    assert.equal(min.toString(), '-');
    assert.equal(max.toString(), '+');
  });
});
