import { notExactlyOnce, type StreamCount } from '../chaos/stream-count';
import type { ServiceState } from './state';
import type { Sample, SoakResult } from './run';
import { trend, type Trend } from './trend';

const MIB = 2 ** 20;

/** A sampled quantity whose trend a soak judges: its name, unit, how to read it, and the change too small to matter. */
interface Quantity {
  readonly name: string;
  readonly unit: string;
  readonly read: (s: Sample) => number;
  readonly floor: number;
}

export const QUANTITIES: readonly Quantity[] = [
  { name: 'adapter RSS', unit: 'MiB', read: (s) => s.adapterRss / MIB, floor: 1 },
  { name: 'adapter V8 heap used', unit: 'MiB', read: (s) => s.adapterHeap / MIB, floor: 1 },
  { name: 'RabbitMQ queues', unit: '', read: (s) => s.queues, floor: 1 },
  { name: 'RabbitMQ consumers', unit: '', read: (s) => s.consumers, floor: 1 },
  { name: 'RabbitMQ channels', unit: '', read: (s) => s.channels, floor: 1 },
  { name: 'RabbitMQ connections', unit: '', read: (s) => s.connections, floor: 1 },
  { name: 'RabbitMQ memory (erlang:memory total)', unit: 'MiB', read: (s) => s.rabbitBytes / MIB, floor: 1 },
  { name: 'RabbitMQ memory: processes', unit: 'MiB', read: (s) => s.rabbitProcesses / MIB, floor: 1 },
  { name: 'RabbitMQ memory: binary', unit: 'MiB', read: (s) => s.rabbitBinary / MIB, floor: 1 },
  { name: 'RabbitMQ memory: ets', unit: 'MiB', read: (s) => s.rabbitEts / MIB, floor: 1 },
  { name: 'RabbitMQ messages in queues', unit: '', read: (s) => s.messages, floor: 100 },
  { name: 'RabbitMQ RSS', unit: 'MiB', read: (s) => s.rabbitRss / MIB, floor: 1 },
  { name: 'Redis keys', unit: '', read: (s) => s.redisKeys, floor: 1 },
  { name: 'Redis used_memory', unit: 'MiB', read: (s) => s.redisBytes / MIB, floor: 0.1 },
  { name: 'MQTT connections held', unit: '', read: (s) => s.held, floor: 1 },
];

/** Samples after the warm-up: the held connections all opened, then the first third of what is left. */
export function trends(r: SoakResult): { name: string; unit: string; trend: Trend }[] {
  const after = r.samples.filter((s) => s.tMs >= r.filledMs);
  return QUANTITIES.map((q) => ({
    name: q.name,
    unit: q.unit,
    trend: trend(
      after.map((s) => ({ tMs: s.tMs, v: q.read(s) })),
      2 / 3,
      q.floor,
    ),
  }));
}

/** When the analysed window starts (ms after the load started). */
export function windowStartMs(r: SoakResult): number {
  const after = r.samples.filter((s) => s.tMs >= r.filledMs);
  const from = after.length - Math.max(2, Math.ceil((after.length * 2) / 3));
  return after[Math.max(0, from)]?.tMs ?? r.filledMs;
}

export const LEFTOVER_FIELDS = ['queues', 'consumers', 'channels', 'connections', 'redisKeys'] as const;

/** What the run left above the state before any client came: each must be 0 (or below). */
export function leftoverDelta(r: SoakResult): Record<(typeof LEFTOVER_FIELDS)[number], number> {
  const d = (k: keyof ServiceState): number => r.afterLeave[k] - r.baseline[k];
  return {
    queues: d('queues'),
    consumers: d('consumers'),
    channels: d('channels'),
    connections: d('connections'),
    redisKeys: d('redisKeys'),
  };
}

/** The figures a soak must hold at zero, by name; the report and the short test both use them. */
export function soakMustBeZero(r: SoakResult): Record<string, number> {
  const sum = (list: StreamCount[], f: (c: StreamCount) => number): number =>
    list.reduce((s, c) => s + f(c), 0);
  const left = leftoverDelta(r);
  return {
    'QoS 1 PUBACKed but never delivered': sum(r.streams[1], (c) => c.lost.length),
    'QoS 2 PUBCOMPed but never delivered': sum(r.streams[2], (c) => c.lost.length),
    'QoS 2 delivered more than once': sum(r.streams[2], (c) => notExactlyOnce(c) - c.lost.length),
    'queues above baseline': Math.max(0, left.queues),
    'consumers above baseline': Math.max(0, left.consumers),
    'channels above baseline': Math.max(0, left.channels),
    'Redis keys without expiry that were not there before': r.newKeys.filter((k) => k.ttlMs < 0).length,
  };
}
