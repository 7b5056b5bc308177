import { EventEmitter } from 'node:events';
import {
  StaleEpochError,
  type Claim,
  type InboundQos2Entry,
  type InboundQos2Record,
  type OwnerRef,
  type SessionState,
  type SessionStore,
} from '../ports/session-store';

interface Entry {
  epoch: number;
  owner?: OwnerRef;
  session?: SessionState;
  qos2?: Map<number, InboundQos2Entry>;
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
    if (cleanStart || !e.session) {
      e.session = undefined;
      e.qos2 = undefined;
    }
    this.entries.set(clientId, e);
    if (previous) this.events.emit('takeover', clientId, previous);
    const inboundQos2 = e.qos2 ? [...e.qos2.values()] : [];
    return Promise.resolve({ epoch: e.epoch, previous, session: e.session, inboundQos2 });
  }

  // async, so a stale epoch is a rejected promise like the Redis store's, never a synchronous throw.
  async save(clientId: string, epoch: number, state: SessionState): Promise<void> {
    await Promise.resolve();
    this.current(clientId, epoch).session = state;
  }

  async recordInboundQos2(
    clientId: string,
    epoch: number,
    id: number,
    entry: InboundQos2Record | undefined,
  ): Promise<void> {
    await Promise.resolve();
    const e = this.current(clientId, epoch);
    if (entry) (e.qos2 ??= new Map()).set(id, { id, ...entry });
    else e.qos2?.delete(id);
  }

  discard(clientId: string, epoch: number): Promise<void> {
    const e = this.entries.get(clientId);
    // The entry stays, with its epoch, so a later claim keeps counting up and a stale owner stays fenced.
    if (e && e.epoch === epoch) {
      e.owner = undefined;
      e.session = undefined;
      e.qos2 = undefined;
    }
    return Promise.resolve();
  }

  release(clientId: string, epoch: number): Promise<void> {
    const e = this.entries.get(clientId);
    if (e && e.epoch === epoch) e.owner = undefined;
    return Promise.resolve();
  }

  abandon(clientId: string, owner: OwnerRef): Promise<void> {
    const e = this.entries.get(clientId);
    if (e?.owner?.pod === owner.pod && e.owner.connection === owner.connection) e.owner = undefined;
    return Promise.resolve();
  }

  epochOf(clientId: string): Promise<number | undefined> {
    return Promise.resolve(this.entries.get(clientId)?.epoch);
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
