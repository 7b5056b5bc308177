import { MemorySessionStore } from '../../../adapter/src/store/memory-session-store';
import { sessionStoreContract } from './session-store.contract';

// One process holds one store: every "pod" of the contract shares the instance.
sessionStoreContract('memory', () => {
  const store = new MemorySessionStore();
  return {
    open: () => Promise.resolve(store),
    // MemorySessionStore deletes the entry on discard, so the next claim restarts at epoch 1,
    // and its save() throws synchronously instead of rejecting. Both are reported on issue 3.
    knownGaps: new Set(['epoch-survives-discard', 'stale-save-rejects']),
  };
});
