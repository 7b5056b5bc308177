import { strict as assert } from 'node:assert';
import {
  retainedPages,
  type RetainedMessage,
  type RetainedStore,
} from '../../../adapter/src/ports/retained-store';

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

/** Every retained message matching the filter, read page by page. */
export async function matchAll(store: RetainedStore, filter: string, limit = 50): Promise<RetainedMessage[]> {
  const out: RetainedMessage[] = [];
  for await (const page of retainedPages(store, filter, limit)) out.push(...page);
  return out;
}

/** Topics that came more than once in a walk. */
const repeated = (topics: string[]): string[] => topics.filter((t, i) => topics.indexOf(t) !== i);

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
      (await matchAll(store, filter)).map((m) => m.topic).sort();
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
      assert.deepEqual(await matchAll(store, 'bin/data'), [msg('bin/data', payload, 2)]);
    });

    it('keeps one message per topic: the latest', async () => {
      const store = await open();
      await store.set(msg('t/1', 'old', 0));
      await store.set(msg('t/1', 'new', 1));
      assert.deepEqual(await matchAll(store, 't/1'), [msg('t/1', 'new', 1)]);
    });

    it('a zero-length payload clears the topic [MQTT-3.3.1-10]', async () => {
      const store = await open();
      await store.set(msg('gone/1'));
      await store.set(msg('gone/1', Buffer.alloc(0)));
      assert.deepEqual(await matchAll(store, 'gone/1'), []);
      assert.deepEqual(await matchAll(store, 'gone/#'), []);
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
      assert.equal((await matchAll(store, 'bulk/#')).length, 1203);
      assert.deepEqual(
        await topicsOf(store, 'bulk/3/+'),
        topics.filter((t) => t.startsWith('bulk/3/')).sort(),
      );
    });

    describe('paging', () => {
      /** Walks the filter page by page, calling `between` after each page with that page's cursor. */
      const walk = async (
        store: RetainedStore,
        filter: string,
        limit: number,
        between: (next: string) => Promise<void> = () => Promise.resolve(),
      ): Promise<{ topics: string[]; pages: number }> => {
        const topics: string[] = [];
        let pages = 0;
        let after: string | undefined;
        do {
          const page = await store.page(filter, after, limit);
          pages++;
          assert.ok(page.messages.length <= limit, `page of ${page.messages.length} over the limit ${limit}`);
          topics.push(...page.messages.map((m) => m.topic));
          after = page.next;
          if (after !== undefined) await between(after);
        } while (after !== undefined);
        return { topics, pages };
      };

      it('returns every match exactly once over many small pages, in any order', async () => {
        const store = await open();
        const topics = Array.from({ length: 311 }, (_, i) => `pg/${i % 5}/${i}`);
        await setAll(store, [...topics, 'pg', 'pgx/1', 'other/1']);
        for (const [filter, expected] of [
          ['pg/#', ['pg', ...topics]],
          ['pg/+/+', topics],
          ['pg/2/+', topics.filter((t) => t.startsWith('pg/2/'))],
          ['+/1/+', topics.filter((t) => t.startsWith('pg/1/'))],
        ] as const) {
          const { topics: seen, pages } = await walk(store, filter, 7);
          assert.deepEqual(repeated(seen), [], `${filter}: delivered twice`);
          assert.deepEqual([...seen].sort(), [...expected].sort(), `${filter}: lost or extra`);
          assert.ok(pages > 1, `${filter} took ${pages} page(s)`);
        }
      });

      it('a filter without wildcards is one page', async () => {
        const store = await open();
        await setAll(store, ['one/x', 'one/x/y', 'one/xy']);
        assert.deepEqual(await store.page('one/x', undefined, 1), {
          messages: [msg('one/x')],
        });
      });

      it('skips expired messages and keeps live ones [MQTT-3.3.2-5]', async () => {
        const store = await open();
        const now = Date.now();
        await store.set({ ...msg('exp/old'), expiresAt: now - 1 });
        await store.set({ ...msg('exp/live'), expiresAt: now + 60_000 });
        await store.set(msg('exp/forever'));
        assert.deepEqual(await topicsOf(store, 'exp/#'), ['exp/forever', 'exp/live']);
        assert.deepEqual(await matchAll(store, 'exp/old'), []);
      });

      it('a cursor read through one store goes on through another', async () => {
        const a = await open();
        const b = await open();
        const topics = Array.from({ length: 40 }, (_, i) => `hand/${i}`);
        await setAll(a, topics);
        const first = await a.page('hand/+', undefined, 15);
        assert.ok(first.next !== undefined);
        const second = await b.page('hand/+', first.next, 100);
        assert.deepEqual(
          [...first.messages, ...second.messages].map((m) => m.topic).sort(),
          [...topics].sort(),
        );
      });

      // Chosen behaviour while a walk is under way: the cursor is the last topic read, so a topic
      // comes at most once. One retained throughout comes exactly once; one cleared before its page
      // is read does not come; one set meanwhile comes if it sorts after the cursor (with the value
      // it has then), and not if the walk has passed it. Clearing the cursor topic itself is harmless.
      it('topics cleared or set during a walk: each at most once, the untouched ones exactly once', async () => {
        const store = await open();
        const topics = Array.from({ length: 60 }, (_, i) => `live/${String(i).padStart(2, '0')}`);
        await setAll(store, topics);
        const cleared: string[] = [];
        const added: string[] = [];
        const { topics: seen } = await walk(store, 'live/#', 10, async (next) => {
          // The cursor topic, one just behind it and one ahead go; a topic behind and one ahead come.
          const i = topics.indexOf(next);
          // Past the original topics the walk is among the ones added ahead: nothing more to stir.
          if (i < 1) return;
          for (const t of [next, topics[i - 1], topics[i + 5]]) {
            if (t === undefined || cleared.includes(t)) continue;
            cleared.push(t);
            await store.clear(t);
          }
          const behind = `${topics[i - 1]}a`;
          const ahead = `live/~${i}`;
          added.push(behind, ahead);
          await setAll(store, [behind, ahead]);
        });
        assert.deepEqual(repeated(seen), [], 'delivered twice');
        const untouched = topics.filter((t) => !cleared.includes(t));
        for (const t of untouched) assert.ok(seen.includes(t), `untouched ${t} lost`);
        const clearedAhead = cleared.filter((t) => !seen.includes(t));
        assert.ok(clearedAhead.length > 0, 'no topic was cleared before its page');
        for (const t of added) {
          const ahead = t.startsWith('live/~');
          assert.equal(seen.includes(t), ahead, `${t}, set ${ahead ? 'ahead of' : 'behind'} the cursor`);
        }
        for (const t of seen) assert.ok(topics.includes(t) || added.includes(t), `unknown ${t}`);
      });
    });

    it('a message retained through one store is seen and cleared through another', async () => {
      const a = await open();
      const b = await open();
      await a.set(msg('shared/1', 'from a'));
      assert.deepEqual(await matchAll(b, 'shared/+'), [msg('shared/1', 'from a')]);
      await b.clear('shared/1');
      assert.deepEqual(await matchAll(a, 'shared/#'), []);
    });
  });
}
