import type { Figures } from './figures';
import { describeSpread } from './spread';
import { notExactlyOnce, type StreamCount } from './stream-count';
import type { WillSummary } from './will-ledger';

/** The figures a chaos phase must hold at zero, by name; the report, the exit code and the short test use them. */
export function mustBeZero(r: Figures): Record<string, number> {
  const sum = (list: StreamCount[], f: (c: StreamCount) => number): number =>
    list.reduce((s, c) => s + f(c), 0);
  return {
    'QoS 1 PUBACKed but never delivered': sum(r.streams[1], (c) => c.lost.length),
    'QoS 2 delivered not exactly once': sum(r.streams[2], notExactlyOnce),
    'wills expected but not published': r.wills.missing.length,
    'wills published twice': r.wills.duplicated,
    'wills nobody expected': r.wills.unexpected.length,
    'persistent reconnects without session present': r.reconnects.withoutSession,
    'queues left': r.leftovers.queues.length,
    'consumers left': r.leftovers.consumers,
    'channels left': r.leftovers.channels,
    'Redis keys without expiry above baseline': r.leftovers.redisKeys.length - r.redisBaseline,
  };
}

/** A fault as the shared tables place it: when it started (ms after the traffic started) and what it was. */
export interface PlacedFault {
  readonly startedMs: number;
  readonly what: string;
}

const stream = (qos: number, c: StreamCount, i: number): string =>
  `| QoS ${qos} | ${i === 0 ? 'MQTT 3.1.1, clean session 0' : 'MQTT 5, session expiry 600 s'} | ` +
  `${c.acked} | ${c.received} | ${c.lost.length} | ${c.duplicates} | ${c.doubled.length} |`;

const willRow = (what: string, w: WillSummary): string =>
  `| ${what} | ${w.expected} | ${w.published} | ${w.duplicated} | ${describeSpread(w.delayMs)} |`;

/** How a phase describes its faults and wills to the shared sections. */
export interface PhaseFaults {
  readonly placed: readonly PlacedFault[];
  /** Said above the wills table. */
  readonly willNote: string;
  /** A row per kind of fault; a row for all follows. */
  readonly willRows: [string, WillSummary][];
  /** The phase's table of faults, closing the section. */
  readonly table: string[];
}

/** Must be zero, streams, wills, sessions and leftovers, then the faults, at heading level `h`. */
export function figureSections(r: Figures, p: PhaseFaults, h: string): string[] {
  return [
    `${h} Must be zero`,
    '',
    '| Figure | Count |',
    '| --- | ---: |',
    ...Object.entries(mustBeZero(r)).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    `${h} Streams`,
    '',
    '| Stream | Subscriber | Acknowledged | Received | Lost | Duplicates | Numbers doubled |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...r.streams[1].map((c, i) => stream(1, c, i)),
    ...r.streams[2].map((c, i) => stream(2, c, i)),
    '',
    ...doubledLines(r, p.placed),
    `${h} Wills`,
    '',
    p.willNote,
    '',
    '| After | Expected | Published | Duplicated | Delay from the fault |',
    '| --- | ---: | ---: | ---: | --- |',
    ...p.willRows.map(([what, w]) => willRow(what, w)),
    willRow('all', r.wills),
    '',
    `${h} Sessions, leftovers and faults`,
    '',
    sessionsLine(r),
    '',
    ...p.table,
    '',
  ];
}

/** Reconnects and what was left, as one paragraph. */
/** The first few key names, for a report that must say which keys were left. */
const keyNames = (keys: readonly string[]): string =>
  keys.length === 0
    ? ''
    : `: ${keys
        .slice(0, 10)
        .map((k) => `\`${k}\``)
        .join(', ')}${keys.length > 10 ? ', …' : ''}`;

function sessionsLine(r: Figures): string {
  const owners = r.leftovers.expiring.filter((k) => k.key.endsWith(':owner'));
  return (
    `${r.reconnects.total} reconnects of persistent clients, ${r.reconnects.withoutSession} without session present; ` +
    `from the lost connection to the CONNACK on another replica: ${describeSpread(r.reconnects.gapMs)}. ` +
    `Left after the clients and replicas were gone: ${r.leftovers.queues.length} queues, ${r.leftovers.consumers} consumers, ` +
    `${r.leftovers.channels} channels, ${r.leftovers.redisKeys.length} Redis keys without expiry under the prefix ` +
    `(baseline ${r.redisBaseline}${keyNames(r.leftovers.redisKeys)}), and ${r.leftovers.expiring.length} keys that expire on their own ` +
    `(${owners.length} owner hashes, the epoch fence of clients that never came back, ` +
    `at most ${Math.round(Math.max(0, ...r.leftovers.expiring.map((k) => k.ttlMs)) / 1000)} s left).`
  );
}

/** Each doubled number, placed after the fault it followed. */
function doubledLines(r: Figures, faults: readonly PlacedFault[]): string[] {
  if (r.doubled.length === 0) return [];
  return [
    'Numbers delivered twice (subscriber 0: MQTT 3.1.1, 1: MQTT 5), with the fault before their acknowledgement:',
    '',
    ...r.doubled.map((d) => {
      const before = faults.filter((f) => f.startedMs <= d.ackedMs).pop();
      const after =
        before === undefined
          ? 'before any fault'
          : `${d.ackedMs - before.startedMs} ms after the ${before.what} at ${before.startedMs} ms`;
      const arrivals = d.arrivals
        .map((a) => `${a.ms} ms (id ${a.id ?? '-'}${a.dup ? ', DUP' : ''})`)
        .join(', ');
      return `- QoS ${d.qos}, subscriber ${d.subscriber}: ${d.n}, acknowledged at ${d.ackedMs} ms, ${after}; arrived at ${arrivals}`;
    }),
    '',
  ];
}
