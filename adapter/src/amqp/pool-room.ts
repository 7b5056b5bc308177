/**
 * The most channels one client holds at once on its pooled connection: its
 * confirm channel, its QoS 0 channel and its declare/bind channel (ClientLink).
 */
export const CHANNELS_PER_CLIENT = 3;

/**
 * Channels a pooled connection opens for all its clients: the shared admin
 * channel, the QoS 0 fast path, the declare/bind channel kept ready for the
 * next client and the one that declares ready queues (ReadyQueues).
 */
export const CONNECTION_CHANNELS = 4;

/** The channels `clients` clients may hold at worst, shared consumer channels included. */
export function channelsAtWorst(clients: number, clientsPerConsumerChannel: number): number {
  if (clients <= 0) return 0;
  return CONNECTION_CHANNELS + clients * CHANNELS_PER_CLIENT + Math.ceil(clients / clientsPerConsumerChannel);
}

/**
 * How many clients a connection with `channelMax` channels takes: the most
 * whose worst case still fits. Channels open lazily, so counting open ones
 * would let clients placed before their first channel run the connection past
 * channel_max (RabbitMQ then closes the whole connection, amqplib refuses
 * before that); the room is reserved per client instead.
 */
export function clientRoom(channelMax: number, clientsPerConsumerChannel: number): number {
  const perClient = CHANNELS_PER_CLIENT + 1 / clientsPerConsumerChannel;
  let n = Math.max(0, Math.floor((channelMax - CONNECTION_CHANNELS) / perClient));
  while (n > 0 && channelsAtWorst(n, clientsPerConsumerChannel) > channelMax) n--;
  while (channelsAtWorst(n + 1, clientsPerConsumerChannel) <= channelMax) n++;
  return n;
}

/**
 * Reservations on one connection. A client's place is taken synchronously when
 * the pool hands the connection out, before any of its channels opens, so a
 * burst of logins cannot all pick a connection that looks empty.
 */
export class Room {
  private reserved = 0;

  constructor(readonly capacity: number) {}

  get taken(): number {
    return this.reserved;
  }

  tryReserve(): boolean {
    if (this.reserved >= this.capacity) return false;
    this.reserved++;
    return true;
  }

  /** Returns one place; true when none is left taken. */
  release(): boolean {
    if (this.reserved > 0) this.reserved--;
    return this.reserved === 0;
  }
}
