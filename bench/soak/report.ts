import { num, table } from '../report/format';
import { LEFTOVER_FIELDS, leftoverDelta, soakMustBeZero, trends, windowStartMs } from './analysis';
import type { LinePanel } from './chart';
import { LEVEL_FRACTION, NOISE_SIGMAS } from './trend';
import type { SoakResult } from './run';

const MIB = 2 ** 20;
const min = (ms: number): number => ms / 60_000;

export interface Meta {
  readonly command: string;
  readonly commit: string;
  readonly date: string;
  readonly png: string;
  readonly machine: string;
}

export function soakReport(r: SoakResult, m: Meta): string {
  const o = r.options;
  const s = r.samples;
  const last = s.length ? s[s.length - 1] : undefined;
  const mean = (f: (x: (typeof s)[number]) => number): number =>
    s.filter((x) => x.tMs >= r.filledMs).reduce((a, x) => a + f(x), 0) /
    Math.max(1, s.filter((x) => x.tMs >= r.filledMs).length);
  const zero = soakMustBeZero(r);
  const left = leftoverDelta(r);
  const failing = Object.entries(zero).filter(([, v]) => v !== 0);
  return [
    `# Soak run, ${m.date}`,
    '',
    `Command: \`${m.command}\` (what \`make soak\` runs after the build), at commit \`${m.commit}\`. ${m.machine}`,
    '',
    `A private RabbitMQ node and redis-server started for the run (their own ports, data and cookie; the ` +
      `machine's services untouched), ${o.replicas} adapter replica(s) on the Redis store. For ` +
      `${num(min(o.durationMs), 1)} minutes: ${num(o.connections)} connections held (MQTT 3.1.1 and 5 alternating, ` +
      `three in ten persistent, subscriptions at QoS 0, 1 and 2 in turn, one topic each), churn of ` +
      `${o.churnPerSecond} disconnects a second (half DISCONNECT, half a destroyed socket) each followed by a ` +
      `reconnect under the same client id, and ${num(o.publishPerSecond)} PUBLISH/s: numbered QoS 1 ` +
      `(${o.streamPerSecond[1]}/s) and QoS 2 (${o.streamPerSecond[2]}/s) streams to four persistent subscribers ` +
      `that leave and resume in turn every 15 s, the rest at QoS 0, 1 and 2 to random clients' topics. ` +
      `All connections were open after ${num(r.filledMs / 1000)} s; a sample every ${o.sampleMs / 1000} s.`,
    '',
    `![soak over time](${m.png})`,
    '',
    '## Trends after warm-up',
    '',
    `Least-squares line through the samples from ${num(min(windowStartMs(r)), 1)} min to the end (the last two ` +
      `thirds after every connection opened). **Flat within noise** when the line's change over that window is at ` +
      `most the larger of ${NOISE_SIGMAS} × the residual standard deviation, ${LEVEL_FRACTION * 100} % of the mean, ` +
      `or a floor (1 MiB, 0.1 MiB for Redis, 1 for counts).`,
    '',
    table(
      ['quantity', 'mean', 'slope per hour', 'change over window', 'residual σ', 'bound', 'verdict'],
      trends(r).map(({ name, unit, trend: t }) => {
        const u = unit ? ` ${unit}` : '';
        return [
          name,
          `${num(t.mean, 1)}${u}`,
          `${num(t.slopePerHour, 2)}${u}`,
          `${num(t.change, 2)}${u}`,
          num(t.noise, 2),
          num(t.bound, 2),
          t.verdict === 'flat within noise' ? t.verdict : `**${t.verdict}**`,
        ];
      }),
    ),
    '',
    '## Traffic',
    '',
    table(
      ['figure', 'value'],
      [
        ['PUBLISH/s (mean after warm-up)', num(mean((x) => x.publishedPerS))],
        ['deliveries/s to the held connections (mean)', num(mean((x) => x.deliveredPerS))],
        [
          'connects/s (mean)',
          num(
            mean((x) => x.connectsPerS),
            1,
          ),
        ],
        [
          'disconnects/s (mean)',
          num(
            mean((x) => x.disconnectsPerS),
            1,
          ),
        ],
        ['connections held at the end', num(last?.held ?? NaN)],
        [
          'connects / DISCONNECTs / dropped sockets',
          `${num(r.population.connects)} / ${num(r.population.disconnects)} / ${num(r.population.drops)}`,
        ],
        ['connect or subscribe failures', num(r.population.connectFailures)],
        [
          'connections closed by the adapter (the client comes back after 2 to 4 s)',
          num(r.population.closedByServer),
        ],
        [
          'background PUBLISH sent / acknowledged (QoS 1, 2) / skipped',
          `${num(r.group.sent)} / ${num(r.group.acked)} / ${num(r.group.skipped)}`,
        ],
        ['deliveries to the held connections', num(r.population.delivered)],
        ['publisher reconnects', num(r.group.reconnects + r.streamPublishers.reconnects)],
        ['subscriber leave-and-resume of the numbered streams', num(r.roams)],
        ['adapter exit code after SIGTERM', r.adapterExit],
      ],
    ),
    ...(r.population.errors.length
      ? ['', 'First client errors:', '', ...r.population.errors.map((e) => `- ${e}`)]
      : []),
    '',
    r.adapterWarnings.length === 0
      ? 'The adapter logged no warning or error.'
      : table(
          ['adapter log level', 'message', 'lines'],
          r.adapterWarnings.slice(0, 12).map((w) => [w.level, w.msg, num(w.count)]),
        ),
    '',
    '## Numbered streams (persistent subscribers)',
    '',
    table(
      ['QoS', 'subscriber', 'acknowledged', 'received', 'lost', 'duplicates', 'doubled'],
      ([1, 2] as const).flatMap((qos) =>
        r.streams[qos].map((c, i) => [
          String(qos),
          i < 2 ? `MQTT 3.1.1 clean session 0 #${i + 1}` : `MQTT 5 session expiry #${i - 1}`,
          num(c.acked),
          num(c.received),
          num(c.lost.length),
          num(c.duplicates),
          num(c.doubled.length),
        ]),
      ),
    ),
    '',
    '## Leftovers',
    '',
    'State of the private RabbitMQ node and Redis before any client connected (the adapter running) and after ' +
      'every client left (persistent sessions ended by a clean connect), the adapter still running.',
    '',
    table(
      ['', ...LEFTOVER_FIELDS],
      [
        ['baseline', ...LEFTOVER_FIELDS.map((k) => num(r.baseline[k]))],
        ['after the clients left', ...LEFTOVER_FIELDS.map((k) => num(r.afterLeave[k]))],
        ['difference', ...LEFTOVER_FIELDS.map((k) => num(left[k]))],
        ['after the adapter stopped too', ...LEFTOVER_FIELDS.map((k) => num(r.afterStop[k]))],
      ],
    ),
    '',
    r.newKeys.length === 0
      ? 'No Redis key after the clients left that was not there before.'
      : `Redis keys after the clients left that were not there before: ${r.newKeys
          .map(
            (k) => `\`${k.key}\` (${k.ttlMs < 0 ? 'no expiry' : `expires in ${num(k.ttlMs / 1000, 1)} s`})`,
          )
          .join(', ')}.`,
    '',
    '## Must be zero',
    '',
    table(
      ['figure', 'value'],
      Object.entries(zero).map(([k, v]) => [k, num(v)]),
    ),
    '',
    failing.length === 0 ? 'All zero.' : `**Not zero: ${failing.map(([k]) => k).join(', ')}.**`,
    '',
  ].join('\n');
}

export function soakPanels(r: SoakResult): LinePanel[] {
  const pts = (f: (x: SoakResult['samples'][number]) => number): [number, number][] =>
    r.samples.map((x) => [min(x.tMs), f(x)]);
  return [
    {
      title: 'Adapter memory (MiB)',
      series: [
        { label: 'RSS', color: '#d62728', points: pts((x) => x.adapterRss / MIB) },
        { label: 'V8 heap used', color: '#1f77b4', points: pts((x) => x.adapterHeap / MIB) },
      ],
    },
    {
      title: 'RabbitMQ queues, consumers, channels, connections',
      series: [
        { label: 'queues', color: '#ff7f0e', points: pts((x) => x.queues) },
        { label: 'consumers', color: '#2ca02c', points: pts((x) => x.consumers) },
        { label: 'channels', color: '#9467bd', points: pts((x) => x.channels) },
        { label: 'connections', color: '#7f7f7f', points: pts((x) => x.connections) },
      ],
    },
    {
      title: 'RabbitMQ memory (MiB)',
      series: [
        { label: 'erlang:memory(total)', color: '#ff7f0e', points: pts((x) => x.rabbitBytes / MIB) },
        { label: 'RSS', color: '#8c564b', points: pts((x) => x.rabbitRss / MIB) },
        { label: 'processes', color: '#1f77b4', points: pts((x) => x.rabbitProcesses / MIB) },
        { label: 'binary', color: '#2ca02c', points: pts((x) => x.rabbitBinary / MIB) },
        { label: 'ets', color: '#9467bd', points: pts((x) => x.rabbitEts / MIB) },
        { label: 'messages queued (thousands)', color: '#7f7f7f', points: pts((x) => x.messages / 1000) },
      ],
    },
    {
      title: 'Redis',
      series: [
        { label: 'keys', color: '#17becf', points: pts((x) => x.redisKeys) },
        { label: 'used_memory (KiB)', color: '#bcbd22', points: pts((x) => x.redisBytes / 1024) },
      ],
    },
    {
      title: 'MQTT connections held',
      series: [{ label: 'held', color: '#d62728', points: pts((x) => x.held) }],
    },
    {
      title: 'Messages and connects per second',
      series: [
        { label: 'PUBLISH/s', color: '#1f77b4', points: pts((x) => x.publishedPerS) },
        { label: 'deliveries/s', color: '#2ca02c', points: pts((x) => x.deliveredPerS) },
        { label: 'connects/s', color: '#ff7f0e', points: pts((x) => x.connectsPerS) },
        { label: 'disconnects/s', color: '#9467bd', points: pts((x) => x.disconnectsPerS) },
      ],
    },
  ];
}
