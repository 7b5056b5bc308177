import type { ChannelModel } from 'amqplib';

/** amqplib's method id of channel.close (class 20, method 40). */
const CHANNEL_CLOSE = (20 << 16) | 40;
/** How long a channel number RabbitMQ closed stays unused, for its late frames to drain. */
export const QUARANTINE_MS = 3000;

interface Frame {
  readonly channel: number;
  readonly id?: number;
}

interface Internals {
  accept?: (f: Frame) => unknown;
  channels?: unknown[];
  releaseChannel?: (n: number) => void;
  freeChannels?: { set(n: number): void; clear(n: number): void };
}

/**
 * RabbitMQ may still send deliveries on a channel after it closed it over an
 * error (rabbitmq-server#13384), and amqplib answers a frame on a channel it
 * no longer knows by closing the whole connection: one client's refused
 * consume on a shared consumer channel would end every client of the pooled
 * connection. Such frames are dropped instead, as RabbitMQ's Java client
 * does, and the number of a channel RabbitMQ closed is not handed to a new
 * channel until its late frames have drained, so they cannot reach one that
 * took its number. Returns false, leaving amqplib as it is, when its
 * internals differ from the 2.x ones this relies on. `onDropped` counts the frames dropped.
 */
export function dropStaleFrames(model: ChannelModel, onDropped: () => void): boolean {
  const c = (model as unknown as { connection?: Internals }).connection;
  const accept = c?.accept;
  const release = c?.releaseChannel;
  const free = c?.freeChannels;
  if (
    !c ||
    typeof accept !== 'function' ||
    typeof release !== 'function' ||
    !free ||
    !Array.isArray(c.channels)
  )
    return false;
  const channels = c.channels;
  const closedByServer = new Set<number>();
  c.accept = function (this: unknown, f: Frame): unknown {
    if (f.channel !== 0 && !channels[f.channel]) {
      onDropped();
      return undefined;
    }
    if (f.id === CHANNEL_CLOSE) closedByServer.add(f.channel);
    return accept.call(this, f);
  };
  c.releaseChannel = function (this: unknown, n: number): void {
    release.call(this, n);
    if (!closedByServer.delete(n)) return;
    free.set(n);
    setTimeout(() => free.clear(n), QUARANTINE_MS).unref();
  };
  return true;
}
