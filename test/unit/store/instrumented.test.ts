import { strict as assert } from 'node:assert';
import { Counter, Histogram, Registry } from 'prom-client';
import { StaleEpochError } from '../../../adapter/src/ports/session-store';
import { instrumented, type StoreMetrics } from '../../../adapter/src/store/instrumented';

function metrics(): { registry: Registry; m: StoreMetrics } {
  const registry = new Registry();
  const registers = [registry];
  const m: StoreMetrics = {
    seconds: new Histogram({ name: 's', help: 's', labelNames: ['operation'], registers }),
    errors: new Counter({ name: 'e', help: 'e', labelNames: ['operation'], registers }),
  };
  return { registry, m };
}

class Store {
  private readonly secret = 41;
  ok(): Promise<number> {
    return Promise.resolve(this.secret + 1);
  }
  broken(): Promise<void> {
    return Promise.reject(new Error('ECONNREFUSED'));
  }
  stale(): Promise<void> {
    return Promise.reject(new StaleEpochError('c', 1));
  }
  sync(): string {
    return 'sync';
  }
}

describe('store: instrumented decorator', () => {
  it('times each call by store and method, on the original object', async () => {
    const { registry, m } = metrics();
    const s = instrumented(new Store(), 'sessions', m);
    assert.equal(await s.ok(), 42);
    assert.equal(s.sync(), 'sync');
    const text = await registry.metrics();
    assert.match(text, /^s_count\{operation="sessions\.ok"\} 1$/m);
    assert.doesNotMatch(text, /sessions\.sync/);
  });

  it('counts failures but not a refused stale epoch, and passes both on', async () => {
    const { registry, m } = metrics();
    const s = instrumented(new Store(), 'wills', m);
    await assert.rejects(s.broken(), /ECONNREFUSED/);
    await assert.rejects(s.stale(), StaleEpochError);
    const text = await registry.metrics();
    assert.match(text, /^e\{operation="wills\.broken"\} 1$/m);
    assert.doesNotMatch(text, /^e\{operation="wills\.stale"\}/m);
    assert.match(text, /^s_count\{operation="wills\.stale"\} 1$/m);
  });
});
