/**
 * Keeps a client's publishes reaching RabbitMQ in the order received
 * [MQTT-4.6.0-2] while some first wait for a write (the record of a QoS 2
 * message). A publish with nothing to wait for and nothing held before it
 * goes at once, so traffic without such writes pays nothing. Once a wait
 * fails, every later publish fails with it rather than overtake it.
 */
export class PublishOrder {
  private tail: Promise<void> | undefined;

  /** Runs `publish` once `after` (if any) and every publish held before it have gone. */
  run<T>(publish: () => Promise<T>, after?: Promise<void>): Promise<T> {
    const prior = this.tail;
    if (!prior && !after) return publish();
    const ready = prior && after ? Promise.all([prior, after]).then(() => undefined) : (prior ?? after);
    const result = (ready as Promise<void>).then(publish);
    // Chained after `publish`, so whatever waits on the tail goes after it.
    const tail: Promise<void> = (ready as Promise<void>).then(() => {
      if (this.tail === tail) this.tail = undefined;
    });
    // The failure is each held publish's to report; the tail only carries it on.
    tail.catch(() => undefined);
    this.tail = tail;
    return result;
  }
}
