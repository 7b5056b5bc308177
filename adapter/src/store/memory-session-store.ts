import { EventEmitter } from 'node:events';
import {
  StaleEpochError,
  type Claim,
  type OwnerRef,
  type SessionState,
  type SessionStore,
} from '../ports/session-store';

interface Entry {
  epoch: number;
  owner?: OwnerRef;
  session?: SessionState;
}

/** The single-process session store: the embedded default of `make run`. */
export class MemorySessionStore implements SessionStore {
  private readonly entries = new Map<string, Entry>();
  private readonly events = new EventEmitter();

  claim(clientId: string, owner: OwnerRef, cleanStart: boolean): Promise<Claim> {
    const e = this.entries.get(clientId) ?? { epoch: 0 };
    const previous = e.owner;
    e.epoch++;
    e.owner = owner;
    if (cleanStart) e.session = undefined;
    this.entries.set(clientId, e);
    if (previous) this.events.emit('takeover', clientId, previous);
    return Promise.resolve({ epoch: e.epoch, previous, session: e.session });
  }

  save(clientId: string, epoch: number, state: SessionState): Promise<void> {
    this.current(clientId, epoch).session = state;
    return Promise.resolve();
  }

  discard(clientId: string, epoch: number): Promise<void> {
    const e = this.entries.get(clientId);
    if (e && e.epoch === epoch) this.entries.delete(clientId);
    return Promise.resolve();
  }

  release(clientId: string, epoch: number): Promise<void> {
    const e = this.entries.get(clientId);
    if (e && e.epoch === epoch) e.owner = undefined;
    return Promise.resolve();
  }

  onTakeover(listener: (clientId: string, owner: OwnerRef) => void): void {
    this.events.on('takeover', listener);
  }

  close(): Promise<void> {
    this.events.removeAllListeners();
    return Promise.resolve();
  }

  private current(clientId: string, epoch: number): Entry {
    const e = this.entries.get(clientId);
    if (!e || e.epoch !== epoch) throw new StaleEpochError(clientId, epoch);
    return e;
  }
}
