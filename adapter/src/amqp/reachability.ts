import * as net from 'node:net';

/**
 * Whether RabbitMQ's AMQP port answers, probed with a plain TCP connect: the
 * adapter holds no AMQP connection of its own (clients log in as themselves),
 * so readiness cannot ride on one.
 */
export class Reachability {
  private ok = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly amqpUrl: string,
    private readonly intervalMs = 2000,
  ) {}

  get reachable(): boolean {
    return this.ok;
  }

  async start(): Promise<void> {
    await this.probe();
    this.timer = setInterval(() => void this.probe(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private probe(): Promise<void> {
    const url = new URL(this.amqpUrl);
    const port = Number(url.port || (url.protocol === 'amqps:' ? 5671 : 5672));
    return new Promise((resolve) => {
      const socket = net.connect({ host: url.hostname, port, timeout: 1000 });
      const done = (ok: boolean): void => {
        this.ok = ok;
        socket.destroy();
        resolve();
      };
      socket.once('connect', () => done(true));
      socket.once('timeout', () => done(false));
      socket.once('error', () => done(false));
    });
  }
}
