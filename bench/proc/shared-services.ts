import { SYSTEM_CPU, affinity, listenerPid, pin } from './pin';

/**
 * The machine's own services the bench measures (RabbitMQ, Redis, Mosquitto).
 * While a run is on, each is pinned to the system-under-test CPU; the original
 * affinity is put back at the end.
 */
const originalAffinity = new Map<number, string>();
let pinning = true;

export function setPinning(on: boolean): void {
  pinning = on;
}

/** The port each service listens on; its pid is found from the listener, not the name (CLI tools run beam.smp too). */
const PORTS = { 'beam.smp': 5672, 'redis-server': 6379, mosquitto: 1883 } as const;

export function servicePid(executable: keyof typeof PORTS): number {
  const pid = listenerPid(PORTS[executable]);
  if (pid === undefined) throw new Error(`${executable} is not listening on ${PORTS[executable]}`);
  return pid;
}

export async function pinService(pid: number): Promise<void> {
  if (!pinning || originalAffinity.has(pid)) return;
  originalAffinity.set(pid, await affinity(pid));
  await pin(pid, SYSTEM_CPU);
}

export async function restoreServices(): Promise<void> {
  for (const [pid, cpus] of originalAffinity) await pin(pid, cpus).catch(() => undefined);
  originalAffinity.clear();
}
