import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  filterToBindingKey,
  literalPrefix,
  routingKeyToTopic,
  topicFilterProblem,
  topicMatches,
  topicNameProblem,
  topicToRoutingKey,
} from '../../../adapter/src/mqtt/topic';
import { TopicTrie } from '../../../adapter/src/mqtt/topic-trie';

/** One topic level: no separator, no wildcard, no NUL; may hold dots, `$` and non-ASCII. */
const level = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '.', '$', '-', 'é', '中'), maxLength: 4 });
/** Few distinct levels, so random topics and filters often match each other. */
const smallLevel = fc.constantFrom('', 'a', 'b', '$', '$a', 'a.b');
/** A valid topic name: non-empty, levels joined by `/` (empty levels allowed). */
const topicOf = (l: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc
    .array(l, { minLength: 1, maxLength: 5 })
    .map((ls) => ls.join('/'))
    .filter((t) => t.length > 0);
/** A valid filter: literal levels and `+`, optionally ending in `#`. */
const filterOf = (l: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc
    .tuple(fc.array(fc.oneof(l, fc.constant('+')), { minLength: 0, maxLength: 5 }), fc.boolean())
    .map(([ls, hash]) => (hash ? [...ls, '#'] : ls).join('/'))
    .filter((f) => f.length > 0);
const topic = topicOf(level);
const filter = filterOf(level);
const smallTopic = topicOf(smallLevel);
const smallFilter = filterOf(smallLevel);

describe('mqtt/topic: translation to AMQP keys', () => {
  it('routing key round-trips to the same topic', () => {
    fc.assert(fc.property(topic, (t) => routingKeyToTopic(topicToRoutingKey(t)) === t));
  });

  it('swaps `/` and `.` and leaves every other character in place', () => {
    fc.assert(
      fc.property(topic, (t) => {
        const key = topicToRoutingKey(t);
        assert.equal([...key].length, [...t].length);
        [...t].forEach((ch, i) => {
          const expected = ch === '/' ? '.' : ch === '.' ? '/' : ch;
          assert.equal([...key][i], expected);
        });
      }),
    );
    assert.equal(topicToRoutingKey('sensors/room.1/temp'), 'sensors.room/1.temp');
    assert.equal(routingKeyToTopic('a.b.c'), 'a/b/c');
  });

  it('turns a filter into a binding key level by level (`+` -> `*`, `#` -> `#`)', () => {
    fc.assert(
      fc.property(filter, (f) => {
        const keyLevels = filterToBindingKey(f).split('.');
        // Levels split on `/` in MQTT are the levels split on `.` in AMQP, but dots inside a level become slashes.
        const expected = f
          .split('/')
          .map((l) => (l === '+' ? '*' : l.replace(/\./g, '/')))
          .join('.')
          .split('.');
        assert.deepEqual(keyLevels, expected);
      }),
    );
    assert.equal(filterToBindingKey('a/+/c/#'), 'a.*.c.#');
    assert.equal(filterToBindingKey('#'), '#');
  });
});

describe('mqtt/topic: validation', () => {
  it('refuses wildcards, empty and NUL in topic names [MQTT-3.3.2-2] [MQTT-4.7.3-1]', () => {
    assert.equal(topicNameProblem('a/b'), undefined);
    assert.equal(topicNameProblem(''), 'empty');
    assert.equal(topicNameProblem('a/+'), 'wildcard');
    assert.equal(topicNameProblem('a/#'), 'wildcard');
    assert.equal(topicNameProblem('a\u0000b'), 'null-char');
    assert.equal(topicNameProblem('x'.repeat(256)), 'too-long');
    assert.equal(topicNameProblem('x'.repeat(255)), undefined);
    fc.assert(fc.property(topic, (t) => topicNameProblem(t) === undefined));
  });

  it('accepts well-placed wildcards only [MQTT-4.7.1-2] [MQTT-4.7.1-3]', () => {
    fc.assert(fc.property(filter, (f) => topicFilterProblem(f) === undefined));
    for (const bad of ['a/#/b', 'a#', 'a/b#', 'a+', 'a/+b', '#/']) {
      assert.equal(topicFilterProblem(bad), 'bad-wildcard', bad);
    }
    assert.equal(topicFilterProblem(''), 'empty');
    assert.equal(topicFilterProblem('a/\u0000'), 'null-char');
    assert.equal(topicFilterProblem('+/+/#'), undefined);
  });

  it('literalPrefix stops at the first wildcard', () => {
    assert.equal(literalPrefix('a/b/+/c'), 'a/b/');
    assert.equal(literalPrefix('a/#'), 'a'); // `a/#` also matches `a` [MQTT-4.7.1-2]
    assert.equal(literalPrefix('a/b'), 'a/b');
    fc.assert(fc.property(topic, filter, (t, f) => !topicMatches(f, t) || t.startsWith(literalPrefix(f))));
  });
});

describe('mqtt/topic: matching', () => {
  it('a topic matches itself and a filter made from it with `+` levels', () => {
    fc.assert(
      fc.property(topic, fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), (t, plus) => {
        const levels = t.split('/');
        const f = levels.map((l, i) => (plus[i % 5] ? '+' : l)).join('/');
        const firstWild = plus[0];
        const expected = !(t.startsWith('$') && firstWild);
        assert.equal(topicMatches(t, t), true);
        assert.equal(topicMatches(f, t), expected);
      }),
    );
  });

  it('`#` matches the parent level and everything below [MQTT-4.7.1-2]', () => {
    fc.assert(
      fc.property(topic, level, (t, child) => {
        assert.equal(topicMatches(`${t}/#`, t), true);
        assert.equal(topicMatches(`${t}/#`, `${t}/${child}`), true);
        assert.equal(topicMatches(`${t}/#`, `${t}/${child}/x`), true);
      }),
    );
    assert.equal(topicMatches('a/#', 'ab'), false);
    assert.equal(topicMatches('#', 'a/b/c'), true);
  });

  it('`+` matches exactly one level, empty levels included', () => {
    assert.equal(topicMatches('+', 'a'), true);
    assert.equal(topicMatches('+', 'a/b'), false);
    assert.equal(topicMatches('a/+', 'a'), false);
    assert.equal(topicMatches('+/b', '/b'), true);
    assert.equal(topicMatches('a/+/c', 'a//c'), true);
    assert.equal(topicMatches('+/+', '/'), true);
    fc.assert(
      fc.property(
        topic,
        (t) =>
          topicMatches(
            t
              .split('/')
              .map(() => '+')
              .join('/'),
            t,
          ) === !t.startsWith('$'),
      ),
    );
  });

  it('`$` topics are not matched by a filter starting with a wildcard [MQTT-4.7.2-1]', () => {
    fc.assert(
      fc.property(topic, (rest) => {
        const t = `$${rest}`;
        assert.equal(topicMatches('#', t), false);
        assert.equal(topicMatches(`+${t.slice(t.split('/')[0].length)}`, t), false);
        assert.equal(topicMatches(`${t.split('/')[0]}/#`, t), true);
        assert.equal(topicMatches(t, t), true);
      }),
    );
    assert.equal(topicMatches('+/monitor/Clients', '$SYS/monitor/Clients'), false);
    assert.equal(topicMatches('$SYS/#', '$SYS/monitor/Clients'), true);
    assert.equal(topicMatches('a/+', 'a/$b'), true);
  });
});

describe('mqtt/topic-trie', () => {
  it('matches exactly the filters topicMatches accepts', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(smallFilter, { maxLength: 12 }),
        fc.array(smallTopic, { maxLength: 8 }),
        (fs, ts) => {
          const trie = new TopicTrie<string>();
          for (const f of fs) trie.add(f, f);
          assert.equal(trie.size, fs.length);
          for (const t of ts) {
            const expected = fs.filter((f) => topicMatches(f, t)).sort();
            assert.deepEqual([...trie.match(t)].sort(), expected, `topic ${JSON.stringify(t)}`);
          }
        },
      ),
    );
  });

  it('answers from its remembered matches only while the filters are unchanged', () => {
    // A few topics matched again and again, and filters that match them (a topic is a filter of itself).
    const topics = fc.uniqueArray(smallTopic, { minLength: 1, maxLength: 3 });
    const filter = fc.oneof(smallFilter, fc.constant('#'), fc.nat(2));
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), filter }),
      fc.record({ kind: fc.constant('remove' as const), filter }),
      fc.record({ kind: fc.constant('match' as const), topic: fc.nat(2) }),
    );
    fc.assert(
      fc.property(topics, fc.array(op, { maxLength: 40 }), (ts, ops) => {
        const trie = new TopicTrie<string>();
        const held = new Set<string>();
        const named = (x: string | number): string => (typeof x === 'number' ? ts[x % ts.length] : x);
        for (const o of ops) {
          if (o.kind === 'add') {
            trie.add(named(o.filter), named(o.filter));
            held.add(named(o.filter));
          } else if (o.kind === 'remove') {
            trie.remove(named(o.filter), named(o.filter));
            held.delete(named(o.filter));
          } else {
            const t = named(o.topic);
            const expected = [...held].filter((f) => topicMatches(f, t)).sort();
            assert.deepEqual([...trie.match(t)].sort(), expected, `topic ${JSON.stringify(t)}`);
          }
        }
      }),
    );
  });

  it('forgets removed filters and keeps the rest', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(smallFilter, { minLength: 1, maxLength: 10 }),
        fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
        fc.array(smallTopic, { maxLength: 6 }),
        (fs, drop, ts) => {
          const trie = new TopicTrie<string>();
          for (const f of fs) trie.add(f, f);
          const kept = fs.filter((_, i) => !drop[i]);
          fs.forEach((f, i) => drop[i] && trie.remove(f, f));
          assert.equal(trie.size, kept.length);
          for (const t of ts) {
            assert.deepEqual([...trie.match(t)].sort(), kept.filter((f) => topicMatches(f, t)).sort());
          }
        },
      ),
    );
  });

  it('returns a subscriber with several matching filters once', () => {
    const trie = new TopicTrie<string>();
    trie.add('a/#', 'client');
    trie.add('a/+', 'client');
    trie.add('a/b', 'client');
    trie.add('a/b', 'other');
    assert.deepEqual([...trie.match('a/b')].sort(), ['client', 'other']);
    trie.add('a/b', 'other');
    assert.equal(trie.size, 4);
  });
});

/** A filter with `#` at any level, as MQTT_ADAPTER_AMQP_WILDCARDS allows. */
const amqpFilter = fc
  .array(fc.oneof(smallLevel, fc.constant('+'), fc.constant('#')), { minLength: 1, maxLength: 5 })
  .map((ls) => ls.join('/'))
  .filter((f) => f.length > 0);

/**
 * AMQP topic matching written independently, as a regular expression over the
 * topic with a `/` before every level: `+` one level, `#` zero or more.
 */
function amqpReference(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('#') || filter.startsWith('+'))) return false;
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const body = filter
    .split('/')
    .map((l) => (l === '#' ? '(?:/[^/]*)*' : l === '+' ? '/[^/]*' : `/${escape(l)}`))
    .join('');
  return new RegExp(`^${body}$`).test(`/${topic}`);
}

describe('mqtt/topic: AMQP-style wildcards (MQTT_ADAPTER_AMQP_WILDCARDS)', () => {
  it('accept `#` in any level only when enabled, still alone in its level', () => {
    for (const f of ['a/#/c', '#/c', 'a/#/+/#']) {
      assert.equal(topicFilterProblem(f), 'bad-wildcard', f);
      assert.equal(topicFilterProblem(f, true), undefined, f);
    }
    for (const bad of ['a#/c', 'a/b#', 'a/#b/c'])
      assert.equal(topicFilterProblem(bad, true), 'bad-wildcard', bad);
    fc.assert(fc.property(amqpFilter, (f) => topicFilterProblem(f, true) === undefined));
  });

  it('`#` before the last level matches zero or more levels, as AMQP does', () => {
    assert.equal(topicMatches('a/#/c', 'a/c'), true);
    assert.equal(topicMatches('a/#/c', 'a/x/y/c'), true);
    assert.equal(topicMatches('a/#/c', 'a/x/d'), false);
    assert.equal(topicMatches('#/c', 'c'), true);
    assert.equal(topicMatches('#/c', '$SYS/c'), false);
    assert.equal(filterToBindingKey('a/#/c'), 'a.#.c');
    fc.assert(
      fc.property(amqpFilter, smallTopic, (f, t) => topicMatches(f, t) === amqpReference(f, t)),
      { numRuns: 2000 },
    );
  });

  it('the trie and literalPrefix agree with topicMatches', () => {
    fc.assert(
      fc.property(fc.array(amqpFilter, { minLength: 1, maxLength: 6 }), smallTopic, (fs, t) => {
        const trie = new TopicTrie<string>();
        for (const f of fs) trie.add(f, f);
        const expected = fs.filter((f) => topicMatches(f, t)).sort();
        const prefixesHold = expected.every((f) => t.startsWith(literalPrefix(f)));
        return (
          JSON.stringify([...trie.match(t)].sort()) === JSON.stringify([...new Set(expected)]) && prefixesHold
        );
      }),
      { numRuns: 1000 },
    );
  });
});
