import { strict as assert } from 'node:assert';
import { parser as createParser, type Packet } from 'mqtt-packet';
import { planJob } from '../../integration/helpers/fuzz/job';
import { afterConnect, connect, Topics, type Level } from '../../integration/helpers/fuzz/packets';
import { Rng } from '../../integration/helpers/fuzz/rng';
import { encode, varint } from '../../integration/helpers/fuzz/wire';

function parse(bytes: Buffer, level: Level): Packet {
  const p = createParser({ protocolVersion: level });
  let got: Packet | undefined;
  let error: Error | undefined;
  p.on('packet', (x: Packet) => (got ??= x));
  p.on('error', (e: Error) => (error ??= e));
  const left = p.parse(bytes);
  assert.equal(error, undefined, `${bytes.toString('hex')}: ${error?.message}`);
  assert.equal(left, 0);
  assert.ok(got);
  return got;
}

describe('unit: fuzz packets', function () {
  const topics = new Topics('fuzz/unit');

  it('builds packets mqtt-packet reads whole, at every level, before any mutation', function () {
    const rng = new Rng(7);
    for (const level of [3, 4, 5] as const) {
      for (let i = 0; i < 300; i++) {
        const c = parse(
          encode(connect(rng, level, topics, { clientId: `c${i}`, keepalive: 1, clean: true })),
          level,
        );
        assert.equal(c.cmd, 'connect');
        parse(encode(afterConnect(rng, level, topics)), level);
      }
    }
  });

  it('plans the same bytes from the same seed, and other bytes from another', function () {
    const a = planJob(42, 3, topics, 50);
    assert.deepEqual(planJob(42, 3, topics, 50), a);
    assert.notDeepEqual(planJob(43, 3, topics, 50).packets, a.packets);
  });

  it('writes variable byte integers, overlong on request', function () {
    assert.deepEqual([...varint(0)], [0]);
    assert.deepEqual([...varint(321)], [0xc1, 0x02]);
    assert.deepEqual([...varint(268435455)], [0xff, 0xff, 0xff, 0x7f]);
    assert.deepEqual([...varint(5, 2)], [0x85, 0x80, 0x00]);
  });
});
