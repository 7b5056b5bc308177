import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  CHANNELS_PER_CLIENT,
  CONNECTION_CHANNELS,
  Room,
  channelsAtWorst,
  clientRoom,
} from '../../../adapter/src/amqp/pool-room';

describe('amqp/pool-room', () => {
  it("fits RabbitMQ's default channel_max of 2047 with 100 clients per consumer channel", () => {
    const n = clientRoom(2047, 100);
    assert.equal(n, 678);
    assert.ok(channelsAtWorst(n, 100) <= 2047);
    assert.ok(channelsAtWorst(n + 1, 100) > 2047);
  });

  it('takes the most clients whose worst case fits, for any channel_max', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 1, max: 500 }), (max, perShared) => {
        const n = clientRoom(max, perShared);
        assert.ok(n >= 0);
        if (n > 0) assert.ok(channelsAtWorst(n, perShared) <= max, `${n} clients fit in ${max}`);
        assert.ok(channelsAtWorst(n + 1, perShared) > max, `${n + 1} clients do not fit in ${max}`);
      }),
    );
  });

  it('leaves no room when channel_max cannot hold one client', () => {
    const one = CONNECTION_CHANNELS + CHANNELS_PER_CLIENT + 1;
    assert.equal(clientRoom(one - 1, 100), 0);
    assert.equal(clientRoom(one, 100), 1);
  });

  it('reserves synchronously up to its capacity, however many ask at once', () => {
    const room = new Room(5);
    const granted = Array.from({ length: 12 }, () => room.tryReserve());
    assert.deepEqual(
      granted.map((g) => (g ? 1 : 0)),
      [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
    );
    assert.equal(room.taken, 5);
  });

  it('gives places back one by one and says when the last one left', () => {
    const room = new Room(2);
    assert.ok(room.tryReserve() && room.tryReserve());
    assert.equal(room.release(), false);
    assert.ok(room.tryReserve(), 'a released place is taken again');
    assert.equal(room.tryReserve(), false);
    assert.equal(room.release(), false);
    assert.equal(room.release(), true);
    // A stray release never makes room beyond the capacity.
    assert.equal(room.release(), true);
    assert.equal(room.taken, 0);
    assert.ok(room.tryReserve() && room.tryReserve());
    assert.equal(room.tryReserve(), false);
  });

  it('never holds more than its capacity across any sequence of reserves and releases', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.array(fc.boolean(), { maxLength: 300 }), (cap, ops) => {
        const room = new Room(cap);
        let held = 0;
        for (const reserve of ops) {
          if (reserve) {
            if (room.tryReserve()) held++;
          } else if (held > 0) {
            room.release();
            held--;
          }
          assert.equal(room.taken, held);
          assert.ok(held <= cap);
        }
      }),
    );
  });
});
