import type { Clock } from '../ports/clock';
import { StaleEpochError } from '../ports/session-store';

/** Pause between two attempts. */
const RETRY_MS = 200;

/**
 * Runs a store write of a live session, trying again while it fails, for up
 * to `ms`: a Redis failover (Sentinel promoting the replica, a Cluster moving
 * a failed master's slots) makes Redis unreachable for a few seconds, and an
 * established connection should outlive that rather than be closed. A
 * StaleEpochError (another connection owns the client id) is final at once;
 * past `ms` the last error is thrown.
 */
export async function rideThrough<T>(work: () => Promise<T>, ms: number, clock: Clock): Promise<T> {
  const deadline = clock.now() + ms;
  for (;;) {
    try {
      return await work();
    } catch (err) {
      if (err instanceof StaleEpochError || clock.now() + RETRY_MS > deadline) throw err;
      await new Promise<void>((resolve) => clock.after(RETRY_MS, resolve, { unref: true }));
    }
  }
}
