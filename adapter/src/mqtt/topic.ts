/**
 * Topic names and filters, and their translation to AMQP routing and binding
 * keys. The translation is the one RabbitMQ's MQTT plugin uses (`/` <-> `.`,
 * `+` -> `*`, `#` -> `#`), so AMQP and STOMP clients interoperate with us exactly
 * as they do with the plugin. See docs/topic-mapping.md.
 */

/** AMQP short strings (routing keys) hold at most 255 bytes. */
export const MAX_ROUTING_KEY_BYTES = 255;

export type TopicProblem = 'empty' | 'wildcard' | 'null-char' | 'too-long';
export type FilterProblem = 'empty' | 'bad-wildcard' | 'null-char' | 'too-long';

/** Why a PUBLISH topic name is invalid, or undefined when valid [MQTT-3.3.2-2] [MQTT-4.7.3-1]. */
export function topicNameProblem(topic: string): TopicProblem | undefined {
  if (topic.length === 0) return 'empty';
  if (topic.includes('\u0000')) return 'null-char';
  if (topic.includes('+') || topic.includes('#')) return 'wildcard';
  if (Buffer.byteLength(topic) > MAX_ROUTING_KEY_BYTES) return 'too-long';
  return undefined;
}

/**
 * Why a topic filter is invalid, or undefined [MQTT-4.7.1-2] [MQTT-4.7.1-3] [MQTT-4.7.3-1].
 * With `amqpWildcards` (MQTT_ADAPTER_AMQP_WILDCARDS), `#` may fill any level, as in AMQP.
 */
export function topicFilterProblem(filter: string, amqpWildcards = false): FilterProblem | undefined {
  if (filter.length === 0) return 'empty';
  if (filter.includes('\u0000')) return 'null-char';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || (i !== levels.length - 1 && !amqpWildcards)))
      return 'bad-wildcard';
    if (level.includes('+') && level !== '+') return 'bad-wildcard';
  }
  if (Buffer.byteLength(filter) > MAX_ROUTING_KEY_BYTES) return 'too-long';
  return undefined;
}

/** MQTT topic name -> AMQP routing key. */
export function topicToRoutingKey(topic: string): string {
  return swapSeparators(topic);
}

/** AMQP routing key -> MQTT topic name (the inverse of topicToRoutingKey). */
export function routingKeyToTopic(key: string): string {
  return swapSeparators(key);
}

/** MQTT topic filter -> AMQP binding key for a topic exchange. */
export function filterToBindingKey(filter: string): string {
  return swapSeparators(filter).replace(/\+/g, '*');
}

/**
 * `/` and `.` trade places, as in the plugin, so an MQTT topic containing a dot
 * round-trips through AMQP unchanged.
 */
function swapSeparators(s: string): string {
  let out = '';
  for (const ch of s) out += ch === '/' ? '.' : ch === '.' ? '/' : ch;
  return out;
}

/**
 * Whether an MQTT topic name matches a filter, per the spec's wildcard rules,
 * and a `#` before the last level (MQTT_ADAPTER_AMQP_WILDCARDS) as AMQP's: zero or more levels.
 */
export function topicMatches(filter: string, topic: string): boolean {
  // [MQTT-4.7.2-1] topics beginning with $ are not matched by filters starting with a wildcard.
  if (topic.startsWith('$') && (filter.startsWith('#') || filter.startsWith('+'))) return false;
  return levelsMatch(filter.split('/'), 0, topic.split('/'), 0);
}

function levelsMatch(f: readonly string[], i: number, t: readonly string[], j: number): boolean {
  for (; i < f.length; i++, j++) {
    const fl = f[i];
    if (fl === '#') {
      if (i === f.length - 1) return true; // also matches the parent level [MQTT-4.7.1-2]
      for (let skip = j; skip <= t.length; skip++) if (levelsMatch(f, i + 1, t, skip)) return true;
      return false;
    }
    if (j >= t.length) return false;
    if (fl !== '+' && fl !== t[j]) return false;
  }
  return j === t.length;
}

/**
 * The literal part of a filter before its first wildcard, for prefix-indexed
 * lookups: every topic the filter matches starts with it. A trailing `/#` also
 * matches the parent level [MQTT-4.7.1-2], so its separator is not part of it.
 */
export function literalPrefix(filter: string): string {
  const plus = filter.indexOf('+');
  const hash = filter.indexOf('#');
  if (hash !== -1 && (plus === -1 || hash < plus)) return filter.slice(0, hash > 0 ? hash - 1 : 0);
  return plus === -1 ? filter : filter.slice(0, plus);
}
