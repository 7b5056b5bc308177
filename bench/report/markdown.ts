import * as os from 'node:os';
import type { RunResults, Table } from '../run/results';
import { cpuTable } from './cpu-table';
import { LABEL } from './format';
import { fanInTable, fanOutTable, oneToOneTable } from './load-tables';
import { crosscheckTable, idleTable, resumeTable } from './state-tables';
import { offloadTable } from './offload-table';
import { subscribeTable } from './subscribe-table';
import { targetsTable } from './targets';

/** How an offload run was laid out on the CPUs, from its systems' own notes. */
function offloadLayout(t: Table<{ readonly notes?: string[] }>): string {
  const notes = new Set<string>();
  for (const bySystem of Object.values(t))
    for (const xs of Object.values(bySystem))
      for (const x of xs ?? []) for (const n of x.notes ?? []) notes.add(n);
  return [...notes].map((n) => `- ${n}\n`).join('') + (notes.size ? '\n' : '');
}

/** The results file: how the run was made, the targets, then one table (and chart) per scenario. */
export function markdown(r: RunResults, charts: Record<string, string>): string {
  const loads = r.load.map((l) => Number(l.loadavg.split(' ')[0]));
  const sections: [string, string, string][] = [
    ['fan-in', 'Fan-in', fanInTable(r)],
    ['fan-in-cpu', 'Fan-in CPU per delivered message, by process', cpuTable(r)],
    ['one-to-one', '1:1 latency', oneToOneTable(r)],
    ['fan-out', 'Fan-out', fanOutTable(r)],
    ['idle', 'Idle connections', idleTable(r)],
    ['resume', 'Session resume', resumeTable(r)],
    ['crosscheck', 'Cross-check (independent tool)', crosscheckTable(r)],
    ['subscribe', 'SUBSCRIBE → SUBACK', subscribeTable(r)],
    ['offload', 'Offload: fan-in on one RabbitMQ core', offloadLayout(r.offload) + offloadTable(r)],
    [
      'one-to-one-offload',
      '1:1 latency, offload layout (RabbitMQ alone on one core)',
      offloadLayout(r.oneToOneOffload) + oneToOneTable(r, r.oneToOneOffload),
    ],
  ];
  const out = [
    `# Benchmark ${r.started.slice(0, 10)} (${r.profile})`,
    '',
    `- command: \`${r.command}\``,
    `- commit: ${r.commit}; started ${r.started}, finished ${r.finished}`,
    `- machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}`,
    `- pinning: ${r.pinned ? 'load generator on CPU 0, systems under test (adapter, RabbitMQ, Redis, Mosquitto, Aedes) on CPU 1' : 'none'}`,
    `- machine load during the run (/proc/loadavg, 1 min): min ${Math.min(...loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)}; at start ${r.load[0]?.loadavg}, at end ${r.load[r.load.length - 1]?.loadavg}`,
    `- systems, in rotating order: ${r.systems.map((s) => LABEL[s]).join(', ')}`,
    ...r.notes.map((n) => `- ${n}`),
    '',
    'Figures are medians over the repetitions; "adapter ÷" is the adapter\'s figure divided by that system\'s',
    '(higher is better for rates and per-CPU figures, lower is better for latency and memory).',
    'MQTT 3.1.1, 100-byte payloads, open-loop publishing with latency from the scheduled send time;',
    'CPU counts every process under test (the adapter with RabbitMQ and Redis; the plugin and the',
    'ceiling with RabbitMQ). See docs/benchmarks.md for the method.',
    '',
    '## Targets',
    '',
    targetsTable(r),
  ];
  for (const [key, title, body] of sections) {
    if (!body.includes('\n| ') || body.split('\n').length <= 2) continue;
    out.push('', `## ${title}`, '', body);
    if (charts[key]) out.push('', `![${title}](${charts[key]})`);
  }
  return out.join('\n') + '\n';
}
