import { strict as assert } from 'node:assert';
import type { IConnectPacket } from 'mqtt-packet';
import { SessionRig, type Client } from '../../support/session-rig';
import { FakeLink } from '../../support/fake-broker/link';

/**
 * Each object reachable from `root` through own properties and Map and Set
 * contents, with the path it was first reached by, not going past `stop` (what
 * every connection shares, and the transport and broker link under it).
 */
function reachable(root: object, stop: (v: object) => boolean): Map<object, string> {
  const seen = new Map<object, string>();
  const todo: [unknown, string][] = [[root, 'connection']];
  while (todo.length > 0) {
    const [v, path] = todo.pop() as [unknown, string];
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null) continue;
    if (seen.has(v) || stop(v)) continue;
    seen.set(v, path);
    // A buffer's bytes are not objects.
    if (ArrayBuffer.isView(v)) continue;
    for (const k of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, k);
      if (d && 'value' in d) todo.push([d.value, `${path}.${String(k)}`]);
    }
    if (v instanceof Map) for (const [k, x] of v) todo.push([k, `${path}<key>`], [x, `${path}<value>`]);
    if (v instanceof Set) for (const x of v) todo.push([x, `${path}<item>`]);
  }
  return seen;
}

/** Paths to the functions and arrays that connection `a` holds and no other connection shares. */
function ownFunctionsAndArrays(rig: SessionRig, a: Client, b: Client): string[] {
  const shared = new Set<unknown>([rig.deps, ...Object.values(rig.deps)]);
  const stop = (v: object): boolean =>
    shared.has(v) || v === a.pipe.server || v === b.pipe.server || v instanceof FakeLink;
  const others = reachable(b.connection, stop);
  const found: string[] = [];
  for (const [v, path] of reachable(a.connection, stop)) {
    if (others.has(v)) continue;
    if (typeof v === 'function' || Array.isArray(v)) found.push(`${path} (${typeof v})`);
  }
  return found;
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
};

/**
 * What an idle connection keeps is what tens of thousands of them cost: after
 * CONNACK it holds no closure and no array of its own, and its socket
 * listeners are the functions every connection shares.
 */
describe('an idle connected client holds no closure or array of its own', () => {
  for (const [name, over] of [
    ['v3.1.1', {}],
    ['v5', { protocolVersion: 5 }],
  ] as const satisfies readonly (readonly [string, Partial<IConnectPacket>])[]) {
    it(`${name}: nothing but data from the connection down`, async () => {
      const rig = new SessionRig();
      const a = await rig.connect('idle-a', over);
      const b = await rig.connect('idle-b', over);
      await settle();
      assert.deepEqual(ownFunctionsAndArrays(rig, a, b), []);
    });

    it(`${name}: the socket listeners are shared by every connection`, async () => {
      const rig = new SessionRig();
      const a = await rig.connect('idle-a', over);
      const b = await rig.connect('idle-b', over);
      for (const event of ['data', 'error', 'close'])
        assert.deepEqual(a.pipe.server.listeners(event), b.pipe.server.listeners(event), event);
    });
  }
});
