import { BrokerError } from '../ports/broker';

/** The failure of an AMQP method RabbitMQ did not answer in time: a lost channel, outcome unknown. */
export class RpcDeadlineExceeded extends BrokerError {
  constructor(what: string, ms: number) {
    super('gone', `RabbitMQ did not answer ${what} within ${ms} ms`);
  }
}

/**
 * Waits at most `ms` for a reply of RabbitMQ on an open channel. A node under
 * a resource alarm reads nothing more from a connection that published, and
 * one that stalled answers nothing: amqplib would wait until the heartbeat
 * gives the connection up. Past the deadline the wait fails as on a lost
 * channel and `onLate` runs once, to let the channel go; the work itself goes
 * on, and its late outcome is dropped.
 */
export function rpcWithin<T>(work: Promise<T>, ms: number, what: string, onLate: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reject(new RpcDeadlineExceeded(what, ms));
      onLate();
    }, ms);
    timer.unref();
    work.then(
      (v) => {
        clearTimeout(timer);
        if (!late) resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (!late) reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** Whether `work` settled within `ms`; the wait never fails, and the work goes on either way. */
export function settledWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    const done = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    work.then(done, done);
  });
}
