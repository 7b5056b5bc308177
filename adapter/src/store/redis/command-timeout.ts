import type { Command } from 'ioredis';
import type { RedisClient } from './client';

/** A timer this much later than asked means the process did not run meanwhile: it was stalled. */
const STALL_SLACK_MS = 250;

const armed = new WeakSet<Command>();

/**
 * ioredis's `commandTimeout`, made to tolerate a stalled process (GC pause,
 * CPU throttling, SIGSTOP). When a stalled process runs again, its timers may
 * fire before the replies waiting in its sockets are read: ioredis would then
 * fail commands Redis had long answered, and the connection whose session
 * write failed would be closed. Here a command fails only after `ms` the
 * process actually ran: a timer that fires late (the process was stalled)
 * starts one more full period, and a timer that fires on time lets one I/O
 * phase read the replies already received before it decides. A Redis that
 * does not answer still fails the command, within `ms` plus any stall plus
 * at most one more `ms`.
 */
export function stallAwareCommandTimeout(client: RedisClient, ms: number): void {
  const send = client.sendCommand.bind(client) as (command: Command, ...rest: unknown[]) => unknown;
  client.sendCommand = (command: Command, ...rest: unknown[]): unknown => {
    // A Cluster sends a command again after MOVED or ASK: its time counts from the first send.
    if (!armed.has(command)) {
      armed.add(command);
      arm(command, ms, true);
    }
    return send(command, ...rest);
  };
}

function arm(command: Command, ms: number, mayExtend: boolean): void {
  const due = performance.now() + ms;
  const timer = setTimeout(() => {
    if (command.isResolved) return;
    if (mayExtend && performance.now() - due > STALL_SLACK_MS) {
      arm(command, ms, false);
      return;
    }
    // setImmediate callbacks run after the I/O phase, which reads what the socket already holds.
    setImmediate(() => {
      if (!command.isResolved) command.reject(new Error('Command timed out'));
    });
  }, ms);
  const clear = (): void => clearTimeout(timer);
  command.promise.then(clear, clear);
}
