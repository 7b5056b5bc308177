import { randomBytes } from 'node:crypto';
import type * as amqp from 'amqplib';
import { isAccessRefused } from './errors';
import { letChannelGo } from './let-go';
import { rpcWithin, settledWithin } from './rpc-deadline';

/**
 * How long after a take its replacement waits: a client's SUBSCRIBEs come in
 * a burst after its CONNECT, and a declare among them slows each of its binds
 * (RabbitMQ does them at once); the ready queues left serve takers meanwhile.
 */
export const REPLENISH_DELAY_MS = 20;

/** What ReadyQueues needs of its pooled connection. */
export interface ReadyHost {
  openChannel(confirm: false): Promise<amqp.Channel | amqp.ConfirmChannel>;
  readonly isClosed: boolean;
  once(event: 'lost', listener: () => void): unknown;
}

/**
 * Names of ready queues: under the plugin's `mqtt-subscription-` prefix, so
 * permissions and policies written for its queue names match them too, and
 * ending in a decimal count, never in `qos1`, so no client id's queue name
 * (`mqtt-subscription-<client id>qos1`) is ever one of them. The random part
 * keeps apart two connections of one pod name (a restarted process whose old
 * connection RabbitMQ has not yet seen go), as a queue exclusive to one
 * connection is locked to every other.
 */
export function readyQueueNames(pod: string, random = randomBytes(6).toString('hex')): () => string {
  let n = 0;
  return () => `mqtt-subscription-ready-${pod}-${random}-${++n}`;
}

/**
 * Queues declared ahead of need on one pooled connection, for the first
 * queue-backed SUBSCRIBE of clean sessions: taking one leaves only a bind in
 * front of the SUBACK, instead of a declare. They are exclusive to the
 * connection, so RabbitMQ drops them, and any a declare made late, when it
 * goes; a taken one is its session's to delete. Replacements are declared
 * one at a time, each within the deadline, on a channel of their own kept
 * with the connection. A refused declare (the user may not configure or read
 * such names) stops it for the connection: its clients keep their client-id
 * queues.
 */
export class ReadyQueues {
  private readonly ready: string[] = [];
  private filling = false;
  private refused = false;
  private closed = false;
  private channel: Promise<amqp.Channel | undefined> | undefined;
  private soon: NodeJS.Timeout | undefined;
  /** What the last run of declares is, settled; the tests wait for it. */
  filled: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: ReadyHost,
    /** How many to keep declared. */
    private readonly size: number,
    private readonly nextName: () => string,
    /** Longest wait for each declare, and for the clean-up of one that passed it. */
    private readonly rpcTimeoutMs: number,
    /** Told once, when RabbitMQ refuses a declare or its read check. */
    private readonly onRefused: (err: Error) => void,
    private readonly replenishDelayMs = REPLENISH_DELAY_MS,
  ) {
    host.once('lost', () => this.close());
  }

  /**
   * A declared queue, or undefined when none is ready, and the declares then
   * start. A taker calls `replenishSoon` once its bind is answered: a declare
   * sent beside the bind would slow it down, RabbitMQ doing both at once.
   */
  take(): string | undefined {
    const name = this.ready.shift();
    if (name === undefined) this.replenish();
    return name;
  }

  /** Declares what is missing after REPLENISH_DELAY_MS, once however many ask meanwhile. */
  replenishSoon(): void {
    if (this.soon || this.closed) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.replenish();
    }, this.replenishDelayMs);
    this.soon.unref();
  }

  /** Declares what is missing, in the background. */
  private replenish(): void {
    if (this.filling || this.refused || this.closed || this.host.isClosed || this.ready.length >= this.size)
      return;
    this.filling = true;
    this.filled = this.declareMissing().finally(() => (this.filling = false));
  }

  get count(): number {
    return this.ready.length;
  }

  /** Whether RabbitMQ refused a declare: this connection keeps none. */
  get off(): boolean {
    return this.refused;
  }

  private async declareMissing(): Promise<void> {
    const held = this.declareChannel();
    const ch = await held;
    if (!ch) return;
    while (!this.refused && !this.closed && this.ready.length < this.size) {
      const name = this.nextName();
      const outcome = await this.declare(ch, name);
      // Declared as the connection went: exclusive to it, the queue went with it.
      if (outcome === 'ok' && this.closed) return;
      if (outcome !== 'ok') {
        // The queue may have been made before the failure (the read check refused, a reply too late).
        const closed = letChannelGo(ch, () => {
          if (this.channel === held) this.channel = undefined;
        });
        await this.undo(closed, name);
        return;
      }
      this.ready.push(name);
    }
  }

  /** The channel the declares go on, opened on first use and kept until the connection or a failure closes it. */
  private declareChannel(): Promise<amqp.Channel | undefined> {
    if (!this.channel) {
      const opening = this.openChannel();
      this.channel = opening;
      void opening.then((ch) => {
        const forget = (): void => {
          if (this.channel === opening) this.channel = undefined;
        };
        if (ch) ch.once('close', forget);
        else forget();
      });
    }
    return this.channel;
  }

  /**
   * Declares one queue and checks, with a purge of the empty queue, that the
   * connection's user may read it: what a consume of it asks, so a consume
   * of a ready queue needs no probe (see ClientLink.openQueue).
   */
  private async declare(ch: amqp.Channel, name: string): Promise<'ok' | 'refused' | 'failed'> {
    const work = (async () => {
      await ch.assertQueue(name, { exclusive: true, durable: false, autoDelete: false });
      await ch.purgeQueue(name);
    })();
    try {
      await rpcWithin(work, this.rpcTimeoutMs, 'the declare of a ready queue', () => undefined);
      return 'ok';
    } catch (err) {
      if (!isAccessRefused(err)) return 'failed';
      this.refused = true;
      this.onRefused(err as Error);
      return 'refused';
    }
  }

  /**
   * Deletes a queue whose declare did not end well, on a fresh channel once
   * the failed one is closed: RabbitMQ runs a channel's methods in order, so
   * by its close-ok a declare sent on it is done or never will be. A declare
   * refused for the configure permission made nothing (its delete is refused
   * alike, harmlessly); one whose purge was refused (read) left a queue.
   */
  private async undo(failedClosed: Promise<void>, name: string): Promise<void> {
    // Not closed in time: the connection is stalled, and its exclusive queue goes with it; nor is a second channel opened.
    const closed = await settledWithin(failedClosed, this.rpcTimeoutMs);
    if (!closed || this.closed || this.host.isClosed) return;
    const ch = await this.openChannel();
    if (!ch) return;
    const deleted = ch.deleteQueue(name).then(
      () => undefined,
      () => undefined,
    );
    await settledWithin(deleted, this.rpcTimeoutMs);
    await settledWithin(
      ch.close().catch(() => undefined),
      this.rpcTimeoutMs,
    );
  }

  /** A channel for a run of declares or a clean-up; undefined when none opened (the next take tries again). */
  private async openChannel(): Promise<amqp.Channel | undefined> {
    const ch: amqp.Channel | undefined = await this.host.openChannel(false).catch(() => undefined);
    // A refusal closes the channel; its reason comes with the method's rejection.
    ch?.on('error', () => undefined);
    return ch;
  }

  /** The connection is gone, and its exclusive queues with it. */
  private close(): void {
    this.closed = true;
    if (this.soon) clearTimeout(this.soon);
    this.soon = undefined;
    this.ready.length = 0;
  }
}
