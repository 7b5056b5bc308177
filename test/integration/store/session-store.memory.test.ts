import { MemorySessionStore } from '../../../adapter/src/store/memory-session-store';
import { sessionStoreContract } from './session-store.contract';

// One process holds one store: every "pod" of the contract shares the instance.
sessionStoreContract('memory', () => {
  const store = new MemorySessionStore();
  return {
    open: () => Promise.resolve(store),
  };
});
