import type { ChannelModel } from 'amqplib';

interface FrameWriter {
  readonly stream?: { cork?: () => void; uncork?: () => void };
  readonly muxer?: { _readIncoming?: () => void };
}

/**
 * amqplib hands every frame to the socket with its own write, and with Nagle
 * off each becomes a syscall and a TCP segment that RabbitMQ reads on its own.
 * Corking the socket around each pass of amqplib's frame multiplexer sends all
 * the frames of that pass (publishes of many clients in one tick) in one
 * writev. Returns false, leaving amqplib as it is, when its internals differ
 * from the 2.x ones this relies on.
 */
export function corkFrameWrites(model: ChannelModel): boolean {
  const writer = (model as unknown as { connection?: FrameWriter }).connection;
  const stream = writer?.stream;
  const muxer = writer?.muxer;
  const pass = muxer?._readIncoming;
  if (!stream?.cork || !stream.uncork || !muxer || typeof pass !== 'function') return false;
  const cork = stream.cork.bind(stream);
  const uncork = stream.uncork.bind(stream);
  muxer._readIncoming = function corkedPass(this: unknown): void {
    cork();
    try {
      pass.call(muxer);
    } finally {
      uncork();
    }
  };
  return true;
}
