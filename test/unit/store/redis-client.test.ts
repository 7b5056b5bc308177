import { strict as assert } from 'node:assert';
import { parseSeeds } from '../../../adapter/src/store/redis/client';

describe('store: Redis seed list', () => {
  it('parses host:port lists with a default port', () => {
    assert.deepEqual(parseSeeds('a:7000, b ,redis://c:7002', 6379), [
      { host: 'a', port: 7000 },
      { host: 'b', port: 6379 },
      { host: 'c', port: 7002 },
    ]);
  });

  it('names a bad port', () => {
    assert.throws(() => parseSeeds('a:99999', 6379), /a:99999/);
  });
});
