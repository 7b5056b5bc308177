import { strict as assert } from 'node:assert';
import type { RetainedMessage, RetainedStore } from '../../../adapter/src/ports/retained-store';

/** Opens stores that share one backend, as replicas share one Redis. */
export interface RetainedStoreHarness {
  open(): Promise<RetainedStore>;
}

const msg = (
  topic: string,
  payload: string | Buffer = `at ${topic}`,
  qos: 0 | 1 | 2 = 1,
): RetainedMessage => ({
  topic,
  payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
  qos,
});

/** The behaviour every RetainedStore shares, run against each implementation. */
export function retainedStoreContract(name: string, harness: () => RetainedStoreHarness): void {
  describe(`RetainedStore contract: ${name}`, () => {
    let h: RetainedStoreHarness;
    let opened: RetainedStore[] = [];
    const open = async (): Promise<RetainedStore> => {
      const s = await h.open();
      opened.push(s);
      return s;
    };
    const topicsOf = async (store: RetainedStore, filter: string): Promise<string[]> =>
      (await store.match(filter)).map((m) => m.topic).sort();
    const setAll = (store: RetainedStore, topics: string[]): Promise<void[]> =>
      Promise.all(topics.map((t) => store.set(msg(t))));

    beforeEach(() => {
      h = harness();
      opened = [];
    });
    afterEach(async () => {
      await Promise.all(opened.map((s) => s.close()));
    });

    it('returns a retained message with its payload bytes and QoS', async () => {
      const store = await open();
      const payload = Buffer.from([0, 1, 0xfe, 0xff, 0x80]);
      await store.set(msg('bin/data', payload, 2));
      assert.deepEqual(await store.match('bin/data'), [msg('bin/data', payload, 2)]);
    });

    it('keeps one message per topic: the latest', async () => {
      const store = await open();
      await store.set(msg('t/1', 'old', 0));
      await store.set(msg('t/1', 'new', 1));
      assert.deepEqual(await store.match('t/1'), [msg('t/1', 'new', 1)]);
    });

    it('a zero-length payload clears the topic [MQTT-3.3.1-10]', async () => {
      const store = await open();
      await store.set(msg('gone/1'));
      await store.set(msg('gone/1', Buffer.alloc(0)));
      assert.deepEqual(await store.match('gone/1'), []);
      assert.deepEqual(await store.match('gone/#'), []);
    });

    it('clear removes a topic and leaves its neighbours', async () => {
      const store = await open();
      await setAll(store, ['c/1', 'c/2']);
      await store.clear('c/1');
      await store.clear('c/never-set');
      assert.deepEqual(await topicsOf(store, 'c/#'), ['c/2']);
    });

    it('+ matches exactly one level, including an empty one [MQTT-4.7.1-3]', async () => {
      const store = await open();
      await setAll(store, ['p/a', 'p/b', 'p/', 'p', 'p/a/b', 'pa/x']);
      assert.deepEqual(await topicsOf(store, 'p/+'), ['p/', 'p/a', 'p/b']);
      assert.deepEqual(await topicsOf(store, 'p/+/b'), ['p/a/b']);
      assert.deepEqual(await topicsOf(store, '+/x'), ['pa/x']);
    });

    it('# matches every level below', async () => {
      const store = await open();
      await setAll(store, ['h/1', 'h/1/2/3', 'hh/1', 'x/h']);
      assert.deepEqual(await topicsOf(store, 'h/#'), ['h/1', 'h/1/2/3']);
      assert.deepEqual(await topicsOf(store, '#'), ['h/1', 'h/1/2/3', 'hh/1', 'x/h']);
    });

    it('# also matches the parent level [MQTT-4.7.1-2]', async function () {
      const store = await open();
      await setAll(store, ['h', 'h/1', 'h/1/2/3', 'hh/1', 'x/h']);
      assert.deepEqual(await topicsOf(store, 'h/#'), ['h', 'h/1', 'h/1/2/3']);
      assert.deepEqual(await topicsOf(store, 'h/1/#'), ['h/1', 'h/1/2/3']);
    });

    it('filters starting with a wildcard do not match $-topics [MQTT-4.7.2-1]', async () => {
      const store = await open();
      await setAll(store, ['$SYS/broker/uptime', '$share-like/x', 'plain/x']);
      assert.deepEqual(await topicsOf(store, '#'), ['plain/x']);
      assert.deepEqual(await topicsOf(store, '+/x'), ['plain/x']);
      assert.deepEqual(await topicsOf(store, '$SYS/#'), ['$SYS/broker/uptime']);
      assert.deepEqual(await topicsOf(store, '$share-like/+'), ['$share-like/x']);
    });

    it('does not return topics that only share the literal prefix', async () => {
      const store = await open();
      await setAll(store, [
        'sensor/1/temp',
        'sensor/1/temperature',
        'sensors/1/temp',
        'sensor/1/temp/x',
        'sensor/1',
      ]);
      assert.deepEqual(await topicsOf(store, 'sensor/+/temp'), ['sensor/1/temp']);
      assert.deepEqual(await topicsOf(store, 'sensor/1/temp'), ['sensor/1/temp']);
      assert.deepEqual(await topicsOf(store, 'sensor/1/tem'), []);
    });

    it('matches topics outside ASCII', async () => {
      const store = await open();
      await setAll(store, ['häuser/küche', 'häuser/bad', 'haus/küche', '温度/一']);
      assert.deepEqual(await topicsOf(store, 'häuser/+'), ['häuser/bad', 'häuser/küche']);
      assert.deepEqual(await topicsOf(store, '+/küche'), ['haus/küche', 'häuser/küche']);
      assert.deepEqual(await topicsOf(store, '温度/#'), ['温度/一']);
    });

    it('answers broad filters over many topics in full', async () => {
      const store = await open();
      const topics = Array.from({ length: 1203 }, (_, i) => `bulk/${i % 7}/${i}`);
      await setAll(store, topics);
      assert.equal((await store.match('bulk/#')).length, 1203);
      assert.deepEqual(
        await topicsOf(store, 'bulk/3/+'),
        topics.filter((t) => t.startsWith('bulk/3/')).sort(),
      );
    });

    it('a message retained through one store is seen and cleared through another', async () => {
      const a = await open();
      const b = await open();
      await a.set(msg('shared/1', 'from a'));
      assert.deepEqual(await b.match('shared/+'), [msg('shared/1', 'from a')]);
      await b.clear('shared/1');
      assert.deepEqual(await a.match('shared/#'), []);
    });
  });
}
