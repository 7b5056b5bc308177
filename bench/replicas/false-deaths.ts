import { uniqueId } from '../../test/integration/helpers/adapter';
import { Replicas, join, leaveAll, willOn } from '../../test/integration/replicas/replicas';
import { WillTally } from '../../test/integration/replicas/will-tally';
import type { Mqtt } from '../../test/integration/helpers/mqttjs';
import { delay } from '../../test/integration/helpers/wait';

export interface LivenessSetting {
  readonly ttlMs: number;
  readonly stallMs: number;
}

export interface StallOutcome {
  readonly setting: LivenessSetting;
  readonly stallSeconds: number;
  /** Runs in which the stalled replica was taken for dead (any will published or client kicked). */
  readonly falseDeaths: number;
  readonly runs: number;
  readonly willsPublished: number;
  readonly clientsKicked: number;
  readonly clients: number;
}

/** Clients with wills on each stalled replica. */
const CLIENTS = 5;

/**
 * False deaths per stall length: a replica with clients with wills is
 * SIGSTOPped for each stall length and SIGCONTed, `runs` times (a fresh
 * replica each time), next to a second replica that would sweep it. Counted:
 * runs in which it was taken for dead, wills published, clients kicked.
 */
export async function falseDeaths(
  setting: LivenessSetting,
  stallSeconds: readonly number[],
  runs: number,
): Promise<StallOutcome[]> {
  const set = new Replicas({
    MQTT_ADAPTER_LIVENESS_TTL_MS: String(setting.ttlMs),
    MQTT_ADAPTER_LIVENESS_STALL_MS: String(setting.stallMs),
  });
  const out: StallOutcome[] = [];
  try {
    const [survivor] = await set.start(1);
    for (const seconds of stallSeconds) {
      let falseDeathRuns = 0;
      let willsPublished = 0;
      let clientsKicked = 0;
      for (let run = 0; run < runs; run++) {
        const victim = await set.add();
        const root = `bench/stall/${uniqueId('stall')}`;
        const { m: watcher } = await join(survivor.ports.mqtt);
        await watcher.subscribe(`${root}/#`, 1);
        const watch = new WillTally(watcher, root);
        const clients: Mqtt[] = [];
        for (let i = 0; i < CLIENTS; i++)
          clients.push((await join(victim.ports.mqtt, { will: willOn(root, `c${i}`) })).m);
        // Mid-way between two refreshes, as a pause usually falls.
        await delay(300 + Math.random() * 500);
        victim.signal('SIGSTOP');
        await delay(seconds * 1000);
        const before = await set.aliveTtl(victim.incarnation);
        victim.signal('SIGCONT');
        // Back: it refreshed (or was swept and refreshed anew); then time for notices and wills to land.
        const deadline = Date.now() + 10_000;
        while ((await set.aliveTtl(victim.incarnation)) <= before && Date.now() < deadline) await delay(20);
        await delay(1500);
        const kicked = clients.filter((c) => c.isClosed).length;
        if (watch.count > 0 || kicked > 0) falseDeathRuns++;
        willsPublished += watch.count;
        clientsKicked += kicked;
        process.stdout.write(
          `stall ${seconds} s, TTL ${setting.ttlMs} ms, stall tolerance ${setting.stallMs} ms, run ${run + 1}: ` +
            `${watch.count} wills published, ${kicked} of ${CLIENTS} clients kicked\n`,
        );
        await leaveAll();
        await victim.stop(10_000);
      }
      out.push({
        setting,
        stallSeconds: seconds,
        falseDeaths: falseDeathRuns,
        runs,
        willsPublished,
        clientsKicked,
        clients: CLIENTS * runs,
      });
    }
  } finally {
    await leaveAll();
    await set.cleanup();
  }
  return out;
}
