import { EventEmitter } from 'node:events';
import type { OwnerRef } from '../../ports/session-store';
import { duplicateForSubscribe, type RedisClient } from './client';

type Listener = (clientId: string, owner: OwnerRef) => void;

/** Notices remembered to drop repeats; a repeat arrives within moments of the original. */
const RECENT_NOTICES = 1024;

/**
 * The pod's inbox for takeovers: the claim script publishes the displaced
 * owner on the channel of that owner's pod, and this subscription turns the
 * message back into a listener call. A dedicated connection, because a
 * subscribed connection can run no other command.
 */
export class TakeoverChannel {
  private readonly sub: RedisClient;
  private readonly events = new EventEmitter();
  private readonly recent = new Set<string>();
  /** Settles once the SUBSCRIBE is acknowledged; before that a takeover could go unheard. */
  readonly ready: Promise<void>;

  /** onError sees this connection's errors; they repeat those of the main client during an outage. */
  constructor(client: RedisClient, channel: string, onError: (err: Error) => void = () => undefined) {
    this.sub = duplicateForSubscribe(client);
    this.sub.on('error', onError);
    this.sub.on('message', (ch: string, message: string) => {
      if (ch !== channel || this.seenBefore(message)) return;
      const event = parseEvent(message);
      if (event) this.events.emit('takeover', event.clientId, event.owner);
    });
    this.ready = this.sub.subscribe(channel).then(() => undefined);
    // The subscription waits for Redis; a rejection only means we were closed first.
    this.ready.catch(() => undefined);
  }

  /**
   * In Redis Cluster a PUBLISH travels the cluster bus and the subscriber may
   * hear it more than once (seen in the Cluster contract run). Each notice names
   * one displacement (client id, pod, connection), so a repeat is dropped.
   */
  private seenBefore(message: string): boolean {
    if (this.recent.has(message)) return true;
    this.recent.add(message);
    if (this.recent.size > RECENT_NOTICES) this.recent.delete(this.recent.values().next().value as string);
    return false;
  }

  onTakeover(listener: Listener): void {
    this.events.on('takeover', listener);
  }

  close(): void {
    this.events.removeAllListeners();
    this.sub.disconnect();
  }
}

function parseEvent(message: string): { clientId: string; owner: OwnerRef } | undefined {
  try {
    const raw: unknown = JSON.parse(message);
    if (typeof raw !== 'object' || raw === null) return undefined;
    const { clientId, pod, connection } = raw as Record<string, unknown>;
    if (typeof clientId !== 'string' || typeof pod !== 'string' || typeof connection !== 'string')
      return undefined;
    return { clientId, owner: { pod, connection } };
  } catch {
    return undefined;
  }
}
