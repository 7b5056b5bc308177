import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { PacketIdAllocator } from '../../../adapter/src/mqtt/packet-ids';

const MAX = 65535;

describe('mqtt/packet-ids: PacketIdAllocator', () => {
  it('hands out 1, 2, 3... and never 0 [MQTT-2.3.1-1]', () => {
    const ids = new PacketIdAllocator();
    assert.deepEqual([ids.allocate(), ids.allocate(), ids.allocate()], [1, 2, 3]);
    assert.equal(ids.size, 3);
  });

  it('does not reuse a just-released id while others are free', () => {
    const ids = new PacketIdAllocator();
    ids.allocate();
    ids.allocate();
    assert.equal(ids.release(1), true);
    assert.equal(ids.allocate(), 3);
    assert.equal(ids.release(1), false, 'releasing a free id reports it');
  });

  it('wraps after 65535 and skips ids still in use', () => {
    const ids = new PacketIdAllocator();
    for (let i = 1; i <= MAX - 1; i++) ids.allocate();
    ids.release(2);
    ids.release(10);
    assert.equal(ids.allocate(), MAX);
    assert.equal(ids.allocate(), 2, 'wraps to the lowest free id after 65535');
    assert.equal(ids.allocate(), 10);
  });

  it('reports exhaustion with undefined, and recovers on release', () => {
    const ids = new PacketIdAllocator();
    for (let i = 1; i <= MAX; i++) assert.equal(ids.allocate(), i);
    assert.equal(ids.allocate(), undefined);
    assert.equal(ids.size, MAX);
    ids.release(4242);
    assert.equal(ids.allocate(), 4242);
    assert.equal(ids.allocate(), undefined);
  });

  it('never hands out an id that is in use (reserved or allocated)', () => {
    const op = fc.oneof(
      fc.constant({ kind: 'allocate' as const }),
      fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('reserve' as const), id: fc.integer({ min: 1, max: MAX }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const ids = new PacketIdAllocator();
        const model = new Set<number>();
        for (const o of ops) {
          if (o.kind === 'allocate') {
            const id = ids.allocate();
            assert.ok(id !== undefined && id >= 1 && id <= MAX);
            assert.ok(!model.has(id), `id ${id} handed out twice`);
            model.add(id);
          } else if (o.kind === 'reserve') {
            ids.reserve(o.id);
            model.add(o.id);
          } else if (model.size > 0) {
            const id = [...model][o.pick % model.size];
            assert.equal(ids.release(id), true);
            model.delete(id);
          }
          assert.equal(ids.size, model.size);
        }
      }),
    );
  });
});
