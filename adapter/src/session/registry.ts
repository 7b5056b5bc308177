import { StaleEpochError } from '../ports/session-store';

/** A connection that can be told to give up its client id. */
export interface Displaceable {
  readonly clientId: string;
  readonly connectionId: string;
  /** The ownership epoch of its claim; a newer claim always wins. */
  readonly epoch: number;
  takeover(): Promise<void>;
  /** The store says a newer claim owns the client id (its takeover notice was lost): close as taken over. */
  fenced(): void;
}

/**
 * Live sessions of this process by client id. It closes the previous holder of
 * a client id before the new one proceeds [MQTT-3.1.4-2], and finds a
 * connection when another replica's claim displaces it.
 */
export class LocalRegistry {
  private readonly byClient = new Map<string, Displaceable>();
  private readonly byConnection = new Map<string, string>();

  /** `onSize` hears the number of sessions after every change (the sessions gauge). */
  constructor(private readonly onSize: (size: number) => void = () => undefined) {}

  get size(): number {
    return this.byClient.size;
  }

  /**
   * Registers the new holder, closing and awaiting the old one (its close is
   * deadline-bound). Two CONNECTs of one client id can reach this in either
   * order; the newer claim keeps the client id, and the older is refused.
   */
  async take(clientId: string, holder: Displaceable): Promise<void> {
    const old = this.byClient.get(clientId);
    if (old && old !== holder && old.epoch > holder.epoch) throw new StaleEpochError(clientId, holder.epoch);
    this.byClient.set(clientId, holder);
    this.byConnection.set(holder.connectionId, clientId);
    this.onSize(this.byClient.size);
    if (old && old !== holder) await old.takeover();
  }

  /** Displaces a connection of this process by its id (another replica claimed it). */
  async displace(clientId: string, connectionId: string): Promise<void> {
    const h = this.byClient.get(clientId);
    if (h && h.connectionId === connectionId) await h.takeover();
  }

  release(clientId: string, holder: Displaceable): void {
    this.byConnection.delete(holder.connectionId);
    if (this.byClient.get(clientId) === holder) this.byClient.delete(clientId);
    this.onSize(this.byClient.size);
  }

  all(): Displaceable[] {
    return [...this.byClient.values()];
  }
}
