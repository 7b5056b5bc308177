import { MemoryLiveness } from '../../../adapter/src/store/memory-liveness';
import { MemorySessionStore } from '../../../adapter/src/store/memory-session-store';
import { MemoryWillStore } from '../../../adapter/src/store/memory-will-store';
import { MemoryWillTable } from '../../../adapter/src/store/memory-will-table';
import { livenessContract } from './liveness.contract';
import { willStoreContract, type WillHarness } from './will-store.contract';

/** Pods in one process: one session store and one will table, shared. */
function memoryPods(): WillHarness {
  const sessions = new MemorySessionStore();
  const table = new MemoryWillTable();
  const ttlMs = 150;
  const stallMs = 600;
  return {
    ttlMs,
    stallMs,
    open: (pod) =>
      Promise.resolve({
        sessions,
        wills: new MemoryWillStore(table, pod),
        liveness: new MemoryLiveness(table, pod, ttlMs, stallMs),
      }),
    kill: (pod) => pod.liveness.close(),
    closeAll: () => sessions.close(),
  };
}

willStoreContract('memory', memoryPods);
livenessContract('memory', memoryPods);
