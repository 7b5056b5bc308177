import type { Logger } from 'pino';
import type { Config } from '../config/settings';
import { ConfigError } from '../config/load';
import type { RetainedStore } from '../ports/retained-store';
import type { SessionStore } from '../ports/session-store';
import { MemoryRetainedStore } from './memory-retained-store';
import { MemorySessionStore } from './memory-session-store';

export interface Stores {
  readonly sessions: SessionStore;
  readonly retained: RetainedStore;
  notReady(): Promise<string[]>;
  close(): Promise<void>;
}

/** The stores the configuration selects: memory for one process, Redis for replicas. */
export function createStores(config: Config, _pod: string, _log: Logger): Promise<Stores> {
  if (config.store !== 'memory') {
    return Promise.reject(
      new ConfigError(`MQTT_ADAPTER_STORE=${config.store} is not available in this build`),
    );
  }
  const sessions = new MemorySessionStore();
  const retained = new MemoryRetainedStore();
  return Promise.resolve({
    sessions,
    retained,
    notReady: () => Promise.resolve([]),
    close: async () => {
      await sessions.close();
      await retained.close();
    },
  });
}
