import * as net from 'node:net';

const PROBE_TIMEOUT_MS = 1000;

/**
 * Whether RabbitMQ's AMQP port answers, probed with a plain TCP connect: the
 * adapter holds no AMQP connection of its own (clients log in as themselves),
 * so readiness cannot ride on one. With a cluster, one node answering is
 * enough: the pool sends new connections to the nodes that answer.
 */
export class Reachability {
  private up: boolean[];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly amqpUrls: readonly string[],
    private readonly intervalMs = 2000,
  ) {
    this.up = amqpUrls.map(() => false);
  }

  get reachable(): boolean {
    return this.up.some(Boolean);
  }

  async start(): Promise<void> {
    await this.probeAll();
    this.timer = setInterval(() => void this.probeAll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async probeAll(): Promise<void> {
    this.up = await Promise.all(this.amqpUrls.map(probe));
  }
}

function probe(amqpUrl: string): Promise<boolean> {
  const url = new URL(amqpUrl);
  const port = Number(url.port || (url.protocol === 'amqps:' ? 5671 : 5672));
  return new Promise((resolve) => {
    const socket = net.connect({ host: url.hostname, port, timeout: PROBE_TIMEOUT_MS });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
