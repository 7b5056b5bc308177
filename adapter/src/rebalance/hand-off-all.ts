import { Pacer } from './pacer';

/** A connection a drain hands off. */
export interface Drainable {
  /** DISCONNECT (v5) and close; resolves once its session has settled. */
  shutdown(kind: 'drain'): Promise<void>;
}

export interface DrainPace {
  /** MQTT_ADAPTER_DRAIN_TIMEOUT_MS: the whole drain's bound. */
  readonly drainTimeoutMs: number;
  /** MQTT_ADAPTER_REBALANCE_RATE: the pace a drain keeps when it has the time. */
  readonly ratePerSecond: number;
}

/**
 * The drain's hand-off: every connection, in random order, paced as a
 * rebalance is, so the other replicas see a spread of reconnects rather than
 * one burst; but at whatever rate finishes within half the drain timeout,
 * leaving the other half for the sessions to settle. Resolves once every
 * session has settled, or at the drain timeout, when whatever was not yet
 * handed off is closed at once.
 */
export async function handOffAll(connections: Drainable[], pace: DrainPace): Promise<void> {
  const rate = Math.max(pace.ratePerSecond, (connections.length * 1000) / (pace.drainTimeoutMs / 2));
  const left = shuffled(connections);
  const closed: Promise<void>[] = [];
  const pacer = new Pacer(rate, 'catch-up');
  const spread = pacer.run(() => {
    const c = left.pop();
    if (c) closed.push(c.shutdown('drain'));
    return c !== undefined;
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), pace.drainTimeoutMs);
  });
  try {
    if ((await Promise.race([spread.then(() => Promise.all(closed)), timeout])) === 'timeout')
      for (const c of left.splice(0)) void c.shutdown('drain');
  } finally {
    pacer.stop();
    clearTimeout(timer);
  }
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
