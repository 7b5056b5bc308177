import { randomBytes } from 'node:crypto';
import { MqttError } from '../mqtt/errors';
import { Reason } from '../mqtt/reason-codes';
import type { Clock } from '../ports/clock';
import { StaleEpochError, type InboundQos2Record, type SessionStore } from '../ports/session-store';
import { rideThrough } from './ride-through';

/** How long a record write keeps trying while Redis fails over. */
export interface JournalRetry {
  readonly ms: number;
  readonly clock: Clock;
}

/**
 * The stored records of a persistent session's inbound QoS 2 messages, one
 * small write per step, fenced by the connection's epoch, and the tokens
 * that tie a message in RabbitMQ to its record.
 */
export class Qos2Journal {
  /**
   * Random per connection, so no two connections (of any client, on any
   * replica) hand out the same token; a counter tells its messages apart,
   * as a packet id is reused once released.
   */
  private readonly prefix = randomBytes(8).toString('hex');
  private count = 0;

  constructor(
    private readonly store: SessionStore,
    private readonly clientId: string,
    private readonly epoch: number,
    private readonly retry: JournalRetry,
  ) {}

  token(): string {
    return `${this.prefix}.${(++this.count).toString(36)}`;
  }

  /** Before the publish: the message may reach RabbitMQ from here on. */
  pending(id: number, token: string): Promise<void> {
    return this.write(id, { token, state: 'pending' });
  }

  /** After the confirm: a resend is answered, not published. */
  received(id: number, token: string): Promise<void> {
    return this.write(id, { token, state: 'received' });
  }

  /** PUBREL, or a refusal: the id is free for a new message. */
  remove(id: number): Promise<void> {
    return this.write(id, undefined);
  }

  /** Rejects with StaleEpochError, or with an MqttError that closes the connection so the client resends. */
  private async write(id: number, entry: InboundQos2Record | undefined): Promise<void> {
    try {
      // A record is one field set or deleted, so a write repeated after a lost reply does no harm.
      await rideThrough(
        () => this.store.recordInboundQos2(this.clientId, this.epoch, id, entry),
        this.retry.ms,
        this.retry.clock,
      );
    } catch (err) {
      if (err instanceof StaleEpochError) throw err;
      throw new MqttError(Reason.ServerUnavailable, `QoS 2 record not stored: ${(err as Error).message}`);
    }
  }
}
