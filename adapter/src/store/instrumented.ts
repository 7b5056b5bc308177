import type { Counter, Histogram } from 'prom-client';
import { StaleEpochError } from '../ports/session-store';

export interface StoreMetrics {
  readonly seconds: Histogram<'operation'>;
  readonly errors: Counter<'operation'>;
}

/**
 * The store with every promise-returning method timed and its failures
 * counted, labelled `<store>.<method>`. ioredis has no cheap per-command
 * hook, and each store method is one script or one round trip, so timing
 * the port calls measures Redis as the adapter feels it. A refused stale
 * epoch is fencing doing its job, not a Redis error, so it is not counted.
 */
export function instrumented<T extends object>(store: T, name: string, metrics: StoreMetrics): T {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      const operation = `${name}.${prop}`;
      return (...args: unknown[]): unknown => {
        const end = metrics.seconds.startTimer({ operation });
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.then(
          (v: unknown) => {
            end();
            return v;
          },
          (err: unknown) => {
            end();
            if (!(err instanceof StaleEpochError)) metrics.errors.inc({ operation });
            throw err;
          },
        );
      };
    },
  });
}
