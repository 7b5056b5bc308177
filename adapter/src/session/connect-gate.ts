/**
 * How many CONNECTs may be under way at once, counted from CONNECT until
 * their pipeline has finished, not until CONNACK: one refused at its deadline
 * goes on in the background until RabbitMQ and the store answer, holding its
 * connection, session and login until then. Against a stalled RabbitMQ the
 * clients' retries would otherwise add such work without end.
 */
export class ConnectGate {
  private inFlight = 0;

  /** `onSize` hears the number under way after every change (the connects-in-progress gauge). */
  constructor(
    readonly limit: number,
    private readonly onSize: (size: number) => void = () => undefined,
  ) {}

  /** Takes a place, or false when every place is taken. */
  tryEnter(): boolean {
    if (this.inFlight >= this.limit) return false;
    this.onSize(++this.inFlight);
    return true;
  }

  /** Gives the place back once the CONNECT's work, however it ended, is done. */
  leave(): void {
    this.onSize(--this.inFlight);
  }

  get size(): number {
    return this.inFlight;
  }
}
