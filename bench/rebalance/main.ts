import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { Replicas } from '../../test/integration/replicas/replicas';
import { RebalanceScenario, type RebalanceFigures } from '../../test/integration/replicas/rebalance-run';

/**
 * `flock /tmp/itest.lock node build/bench/rebalance/main.js` (REBALANCE_CLIENTS,
 * default 3,000; REBALANCE_RATE, default 200): the scale-out of
 * test/integration/replicas/rebalance.test.ts at full size. One replica holds
 * every client, two join, and the first hands clients off until the three are
 * even. Writes bench/results/rebalance-<date>.md; exits 1 on a QoS 1 loss, a
 * spread over 10 %, a rate over 5 s above the bound or a wrong DISCONNECT.
 */
async function main(): Promise<void> {
  const clients = Number(process.env.REBALANCE_CLIENTS ?? '3000');
  const rate = Number(process.env.REBALANCE_RATE ?? '200');
  const reference = 'mqtt.example.test:1883';
  const set = new Replicas({
    MQTT_ADAPTER_REBALANCE: 'true',
    MQTT_ADAPTER_REBALANCE_RATE: String(rate),
    MQTT_ADAPTER_REBALANCE_DELAY_MS: '500',
    MQTT_ADAPTER_REBALANCE_INTERVAL_MS: '250',
    MQTT_ADAPTER_SERVER_REFERENCE: reference,
  });
  const scenario = new RebalanceScenario(set, {
    clients,
    subscribers: 40,
    ratePerSecond: rate,
    serverReference: reference,
    settleMs: 10 * 60_000,
    publishEveryMs: 10,
  });
  const loadBefore = loadavg()[0];
  let f: RebalanceFigures;
  try {
    f = await scenario.execute();
  } finally {
    await scenario.end();
    await set.cleanup();
  }
  const report = render(f, { clients, rate, loadBefore, loadAfter: loadavg()[0] });
  const root = path.resolve(__dirname, '../../..');
  const file = path.join(root, 'bench/results', `rebalance-${new Date().toISOString().slice(0, 10)}.md`);
  writeFileSync(file, report);
  process.stdout.write(report);
  const failed = f.lost > 0 || f.spread > 0.1 || f.peakPerSecondOver5s > rate || f.v5Wrong > 0;
  process.exit(failed ? 1 : 0);
}

function render(
  f: RebalanceFigures,
  run: { clients: number; rate: number; loadBefore: number; loadAfter: number },
): string {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
  return [
    `# Rebalance after a scale-out, ${new Date().toISOString().slice(0, 10)} (${commit})`,
    '',
    `\`flock /tmp/itest.lock node build/bench/rebalance/main.js\`: ${run.clients} clients on one replica`,
    `(half MQTT 5, half 3.1.1; 40 persistent QoS 1 subscribers of a stream of one numbered QoS 1 message`,
    `every 10 ms), then two replicas join; MQTT_ADAPTER_REBALANCE_RATE=${run.rate}. Load average`,
    `${run.loadBefore.toFixed(1)} before, ${run.loadAfter.toFixed(1)} after (2 cores).`,
    '',
    '| figure | value |',
    '|---|---|',
    `| sessions per replica before | ${f.before.join(', ')} |`,
    `| sessions per replica after | ${f.after.join(', ')} (largest distance from the average ${(f.spread * 100).toFixed(1)} %) |`,
    `| time from the third replica's start to even within 10 % | ${(f.rebalanceMs / 1000).toFixed(1)} s |`,
    `| hand-offs per replica (mqtt_adapter_rebalance_disconnects_total) | ${f.handOffs.join(', ')} |`,
    `| closes seen by clients | ${f.closes}: MQTT 5 ${f.v5HandedOff} (${f.v5Wrong} without 0x9C and the Server Reference), 3.1.1 ${f.v3HandedOff} |`,
    `| most closes in one second; highest rate over 5 s; bound | ${f.peakPerSecond}; ${f.peakPerSecondOver5s}/s; ${run.rate}/s |`,
    `| mean closes per second over the rebalance | ${f.meanPerSecond} |`,
    `| QoS 1 numbers published, acked | ${f.published}, ${f.acked} |`,
    `| lost (acked, never delivered, over all subscribers) | ${f.lost}${f.lostNumbers.length ? ` (${f.lostNumbers.join(', ')})` : ''} |`,
    `| duplicates (over all subscribers) | ${f.duplicates} |`,
    `| time to connect the clients to the first replica | ${(f.connectMs / 1000).toFixed(1)} s |`,
    '',
  ].join('\n');
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
