/** What a channel being opened must offer for its late undo. */
interface Closable {
  close(): Promise<void>;
}

/**
 * Waits at most `ms` for a channel.open (and a confirm.select) on a pooled
 * connection. A node that stalled, or one under a resource alarm that reads
 * nothing more from a blocked connection, answers none; amqplib would wait
 * until the heartbeat gives the connection up. Past the deadline the wait
 * fails as a lost channel does, and a channel that opens later is closed, so
 * nothing holds it.
 */
export function openWithin<T extends Closable>(opening: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new Error(`RabbitMQ did not open a channel within ${ms} ms`));
    }, ms);
    opening.then(
      (ch) => {
        clearTimeout(timer);
        if (late) void ch.close().catch(() => undefined);
        else resolve(ch);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
