import { Cluster, type Command, type Redis } from 'ioredis';
import type { RedisClient } from './client';

/** A timer this much later than asked means the process did not run meanwhile: it was stalled. */
const STALL_SLACK_MS = 250;

const armed = new WeakSet<Command>();
/** Commands that timed out: their caller was told they failed. */
const abandoned = new WeakSet<Command>();
const guarded = new WeakSet<object>();

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
 *
 * A command that timed out is never sent again. ioredis would otherwise send
 * it once a connection is back (the resend of unanswered commands after a
 * reconnect, a Cluster's retry once a failed master's replica took over): a
 * claim the client was told failed would take effect seconds later, owning a
 * client id for a connection long refused and displacing the one that
 * succeeded meanwhile.
 */
export function stallAwareCommandTimeout(client: RedisClient, ms: number): void {
  guard(client, (command) => {
    // A Cluster sends a command again after MOVED or ASK: its time counts from the first send.
    if (!armed.has(command)) {
      armed.add(command);
      arm(command, ms, true);
    }
  });
  if (client instanceof Cluster) {
    // A Cluster's retries and each node's resends go through the node connections.
    for (const node of client.nodes('all')) guard(node);
    client.on('+node', (node: Redis) => guard(node));
  }
}

function guard(client: RedisClient, onSend?: (command: Command) => void): void {
  if (guarded.has(client)) return;
  guarded.add(client);
  const send = client.sendCommand.bind(client) as (command: Command, ...rest: unknown[]) => unknown;
  client.sendCommand = (command: Command, ...rest: unknown[]): unknown => {
    if (abandoned.has(command)) return command.promise;
    onSend?.(command);
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
      if (command.isResolved) return;
      abandoned.add(command);
      command.reject(new Error('Command timed out'));
    });
  }, ms);
  const clear = (): void => clearTimeout(timer);
  command.promise.then(clear, clear);
}
