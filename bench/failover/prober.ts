import { connectCode } from '../../test/integration/replicas/replicas';
import type { ConnectSample } from './refusal';

/**
 * A steady rate of new clean CONNECTs, each to the next running replica, as
 * new devices arriving would send: what each got is recorded, so the report
 * can say when and how long new clients were turned away.
 */
export class ConnectProber {
  readonly samples: ConnectSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly livePort: () => number) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => this.probe(), intervalMs);
  }

  /** Stops sending and waits for the CONNECTs under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.pending);
  }

  private probe(): void {
    const at = Date.now();
    const p = connectCode(this.livePort(), 4).then(
      (code): ConnectSample => (code === 0 ? { at, outcome: 'accepted' } : { at, outcome: 'refused', code }),
      (): ConnectSample => ({ at, outcome: 'failed' }),
    );
    const done = p.then((s) => void this.samples.push(s));
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }
}
