import { Duplex } from 'node:stream';
import type * as amqp from 'amqplib';
import { amqplibModule } from '../../../adapter/src/amqp/amqplib-internals';

const { Connection } = amqplibModule('connection') as unknown as {
  Connection: new (stream: Duplex) => Record<string, unknown> & { acceptLoop(): void };
};
const { Channel } = amqplibModule('channel_model') as unknown as {
  Channel: new (connection: unknown) => MemoryChannel;
};

export type MemoryChannel = amqp.Channel & {
  allocate(): void;
  ch: number;
  closeWithError: unknown;
  registerConsumer(tag: string, cb: (msg: amqp.ConsumeMessage) => void): void;
};

/**
 * A real amqplib Connection over an in-memory stream, as after its
 * handshake: `channel()` opens real channels on it (numbered from 1), `push`
 * hands it bytes as if RabbitMQ sent them, and `start` runs amqplib's own
 * accept loop.
 */
export function memoryConnection() {
  const stream = new Duplex({ read: () => undefined, write: (_c, _e, cb: () => void) => cb() });
  const conn = new Connection(stream);
  conn.channelMax = 100;
  // amqplib's mainAccept, which it does not export: frames go to their channel.
  conn.accept = function (
    this: { channels: { channel: { accept(f: unknown): void } }[] },
    f: { channel: number },
  ) {
    this.channels[f.channel].channel.accept(f);
  };
  return {
    conn,
    /** What `DeliveryReader.install` takes: a ChannelModel of this connection. */
    model: { connection: conn } as unknown as amqp.ChannelModel,
    channel(): MemoryChannel {
      const ch = new Channel(conn);
      ch.allocate();
      return ch;
    },
    start: () => conn.acceptLoop(),
    push: (bytes: Buffer) => stream.push(bytes),
    destroy: () => stream.destroy(),
  };
}
