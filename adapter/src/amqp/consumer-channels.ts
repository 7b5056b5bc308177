import type * as amqp from 'amqplib';
import { DeliveryReader } from './delivery-reader';
import { rpcWithin } from './rpc-deadline';

/** A client whose consumers live on a shared channel. */
export interface ConsumerHost {
  /** RabbitMQ closed the channel: the host's consumers are gone and its unacked deliveries requeued. */
  consumerChannelLost(err: Error | undefined): void;
}

/**
 * One AMQP channel carrying the consumers of many clients of one pooled
 * connection. A channel costs RabbitMQ about 20 KiB (its channel, writer and
 * limiter processes); a consumer on a shared one about 3 KiB. Each consumer
 * keeps its own prefetch: basic.qos without `global` applies to the consumers
 * created after it, so a qos and its consume run as one step.
 */
export class SharedConsumerChannel {
  readonly hosts = new Set<ConsumerHost>();
  private step: Promise<unknown> = Promise.resolve();
  private error: Error | undefined;
  /** The basic.qos (not global) the channel last took: the prefetch of the consumers started after it. */
  private prefetch: number | undefined;
  closed = false;

  constructor(readonly channel: amqp.Channel) {
    DeliveryReader.take(channel);
    channel.on('error', (err: Error) => (this.error = err));
    channel.once('close', () => {
      this.closed = true;
      for (const h of this.hosts) h.consumerChannelLost(this.error);
      this.hosts.clear();
    });
  }

  /**
   * Starts a consumer with at most `prefetch` unacked deliveries, named `tag`
   * when given (RabbitMQ makes one up otherwise); resolves to its tag, or
   * fails once `deadlineMs` passed without RabbitMQ's consume-ok (a connection
   * it stopped reading, a queue process that hangs). The channel is kept for
   * the other clients on it; the consumer RabbitMQ starts after the caller
   * gave up is cancelled as its consume-ok comes, and what reaches it until
   * then goes back to the queue.
   */
  consume(
    queue: string,
    prefetch: number,
    onMessage: (msg: amqp.ConsumeMessage | null) => void,
    deadlineMs: number,
    tag?: string,
  ): Promise<string> {
    const options = tag === undefined ? undefined : { consumerTag: tag };
    let abandoned = false;
    const handler = (msg: amqp.ConsumeMessage | null): void => {
      if (!abandoned) onMessage(msg);
      else if (msg && !this.closed) this.channel.nack(msg, false, true);
    };
    const run = this.step.then(async () => {
      // The clients of one connection mostly share a prefetch (the inflight window), which the
      // channel keeps for every later consumer: asked again, it would cost the consume a round trip.
      if (this.prefetch === prefetch)
        return (await this.channel.consume(queue, handler, options)).consumerTag;
      this.prefetch = undefined;
      // Asked together: amqplib keeps one RPC outstanding per channel and sends the consume as the qos-ok
      // comes in, without a turn through this code; RabbitMQ applies them in order, so the consume gets this prefetch.
      const [, ok] = await Promise.all([
        this.channel.prefetch(prefetch, false).then(() => (this.prefetch = prefetch)),
        this.channel.consume(queue, handler, options),
      ]);
      return ok.consumerTag;
    });
    this.step = run.catch(() => undefined);
    return rpcWithin(run, deadlineMs, 'a basic.consume', () => {
      abandoned = true;
      run.then((tag) => (this.closed ? undefined : this.channel.cancel(tag))).catch(() => undefined);
    });
  }

  /** Closes the channel; no host is on it, so nobody is told. */
  close(): void {
    this.closed = true;
    this.channel.close().catch(() => undefined);
  }
}

/** The shared consumer channels of one pooled connection, each holding up to `perChannel` clients. */
export class ConsumerChannels {
  private readonly channels: SharedConsumerChannel[] = [];
  private opening: Promise<SharedConsumerChannel> | undefined;

  constructor(
    private readonly open: () => Promise<amqp.Channel>,
    private readonly perChannel: number,
  ) {}

  /** A channel for this host's consumers, opened when all others are full. */
  async join(host: ConsumerHost): Promise<SharedConsumerChannel> {
    const roomy = this.channels.find((c) => !c.closed && c.hosts.size < this.perChannel);
    const c = roomy ?? (await (this.opening ??= this.openOne()));
    if (c.closed) throw new Error('consumer channel closed');
    c.hosts.add(host);
    return c;
  }

  /**
   * The last host to leave a channel closes it when another open one can take
   * new hosts, so the channels of a burst do not outlive it while one stays
   * ready for the next client.
   */
  leave(host: ConsumerHost, c: SharedConsumerChannel): void {
    c.hosts.delete(host);
    if (c.hosts.size === 0 && !c.closed && this.channels.some((o) => o !== c && !o.closed)) c.close();
  }

  /** Channels open now. */
  get openCount(): number {
    return this.channels.filter((c) => !c.closed).length;
  }

  private async openOne(): Promise<SharedConsumerChannel> {
    try {
      const c = new SharedConsumerChannel(await this.open());
      this.channels.push(c);
      c.channel.once('close', () => {
        const i = this.channels.indexOf(c);
        if (i >= 0) this.channels.splice(i, 1);
      });
      return c;
    } finally {
      this.opening = undefined;
    }
  }
}
