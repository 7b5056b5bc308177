import { MemoryRetainedStore } from '../../../adapter/src/store/memory-retained-store';
import { retainedStoreContract } from './retained-store.contract';

// One process holds one store: every "replica" of the contract shares the instance.
retainedStoreContract('memory', () => {
  const store = new MemoryRetainedStore();
  return {
    open: () => Promise.resolve(store),
  };
});
