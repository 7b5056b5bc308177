import type { Adapter } from '../../../adapter/src/server';
import { startAdapter } from './adapter';
import { closeAll } from './cleanup';

export interface SuiteAdapter {
  readonly adapter: Adapter;
  readonly port: number;
}

/** Closes everything a test registered for clean-up, after each test of the enclosing describe block. */
export function useCleanup(): void {
  afterEach(closeAll);
}

/**
 * One in-process adapter for the enclosing describe block: started before its
 * tests, stopped after them, with every client, child process and registered
 * resource closed after each test (and after the block, for what its hooks opened).
 */
export function useAdapter(env: Record<string, string> = {}): SuiteAdapter {
  const s: { adapter?: Adapter } = {};
  before(async () => {
    s.adapter = await startAdapter(env);
  });
  useCleanup();
  after(async () => {
    await closeAll();
    await s.adapter?.stop();
  });
  return {
    get adapter(): Adapter {
      return s.adapter as Adapter;
    },
    get port(): number {
      return (s.adapter as Adapter).ports.mqtt;
    },
  };
}
