import { execFile } from 'node:child_process';
import * as amqp from 'amqplib';
import { connectionName } from '../../../adapter/src/amqp/connection-name';

/**
 * RabbitMQ as the integration tests see it: users, permissions and queues
 * through `rabbitmqctl` (the management plugin is not enabled), and an amqplib
 * client for the AMQP side of interop tests.
 */

export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** The guest URL of a virtual host. */
export function amqpUrl(vhost = '/'): string {
  const url = new URL(AMQP_URL);
  url.pathname = `/${encodeURIComponent(vhost)}`;
  return url.toString();
}

/** The watermark RabbitMQ runs with; tests that raise a memory alarm put this back. */
export const DEFAULT_MEMORY_WATERMARK = '0.4';

/** Runs `rabbitmqctl -q <args>` and returns its stdout; rejects with its stderr. */
export function rabbitmqctl(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const options = { timeout: 60_000, maxBuffer: 256 * 1024 * 1024 };
    execFile('rabbitmqctl', ['-q', ...args], options, (err, stdout, stderr) => {
      if (err) reject(new Error(`rabbitmqctl ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** A virtual host with full permissions for guest. */
export async function addVhost(vhost: string): Promise<void> {
  await rabbitmqctl('add_vhost', vhost);
  await setPermissions('guest', '.*', '.*', '.*', vhost);
}

/** Deletes a virtual host and with it every queue, binding and permission in it. */
export async function deleteVhost(vhost: string): Promise<void> {
  await rabbitmqctl('delete_vhost', vhost).catch((err: Error) => {
    if (!/no_such_vhost|does not exist/i.test(err.message)) throw err;
  });
}

export async function addUser(user: string, password: string): Promise<void> {
  await rabbitmqctl('add_user', user, password);
}

/** Deletes a user; one already gone is fine, so after-hooks can always call it. */
export async function deleteUser(user: string): Promise<void> {
  await rabbitmqctl('delete_user', user).catch((err: Error) => {
    if (!/no_such_user|does not exist/i.test(err.message)) throw err;
  });
}

export async function setPermissions(
  user: string,
  configure = '.*',
  write = '.*',
  read = '.*',
  vhost = '/',
): Promise<void> {
  await rabbitmqctl('set_permissions', '-p', vhost, user, configure, write, read);
}

export async function setTopicPermissions(
  user: string,
  exchange: string,
  write: string,
  read: string,
  vhost = '/',
): Promise<void> {
  await rabbitmqctl('set_topic_permissions', '-p', vhost, user, exchange, write, read);
}

/** A user with full permissions on `/`, for tests that need connections of their own. */
export async function createUser(user: string, password: string, vhost = '/'): Promise<void> {
  await addUser(user, password);
  await setPermissions(user, '.*', '.*', '.*', vhost);
}

export interface QueueInfo {
  readonly name: string;
  readonly durable: boolean;
  readonly ready: number;
  readonly unacked: number;
  readonly consumers: number;
  /** `classic`, `quorum` or `stream`. */
  readonly type: string;
  /** The queue arguments as rabbitmqctl prints them, e.g. `[{"x-expires",86400000}]`. */
  readonly arguments: string;
}

export async function listQueues(vhost = '/'): Promise<QueueInfo[]> {
  const out = await rabbitmqctl(
    'list_queues',
    '-p',
    vhost,
    '--no-table-headers',
    'name',
    'durable',
    'messages_ready',
    'messages_unacknowledged',
    'consumers',
    'type',
    'arguments',
  );
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const [name, durable, ready, unacked, consumers, type, ...args] = line.split('\t');
      return {
        name,
        durable: durable === 'true',
        ready: Number(ready),
        unacked: Number(unacked),
        consumers: Number(consumers),
        type,
        arguments: args.join('\t'),
      };
    });
}

/** The routing keys that bind `queue` to `exchange`, sorted. */
export async function bindingKeys(queue: string, exchange = 'amq.topic', vhost = '/'): Promise<string[]> {
  const out = await rabbitmqctl(
    'list_bindings',
    '-p',
    vhost,
    '--no-table-headers',
    'source_name',
    'destination_name',
    'routing_key',
  );
  return out
    .split('\n')
    .map((line) => line.split('\t'))
    .filter(([source, dest]) => source === exchange && dest === queue)
    .map(([, , key]) => key)
    .sort();
}

export async function findQueue(name: string, vhost = '/'): Promise<QueueInfo | undefined> {
  return (await listQueues(vhost)).find((q) => q.name === name);
}

/** Deletes queues over AMQP (quicker than one rabbitmqctl call each); missing ones are fine. */
export async function deleteQueues(names: Iterable<string>, vhost = '/'): Promise<void> {
  const conn = await amqp.connect(amqpUrl(vhost));
  try {
    const ch = await conn.createChannel();
    for (const name of names) await ch.deleteQueue(name);
  } finally {
    await conn.close();
  }
}

/**
 * AMQP connections whose client-given name (client property `connection_name`)
 * is exactly `name`, by the pid rabbitmqctl closes them with. rabbitmqctl's own
 * `name` column is the peer address.
 */
export async function connectionPids(name: string): Promise<string[]> {
  const out = await rabbitmqctl('list_connections', '--no-table-headers', 'pid', 'client_properties');
  const wanted = `{"connection_name","${name}"}`;
  return out
    .split('\n')
    .map((l) => l.split('\t'))
    .filter(([pid, props]) => pid && props?.includes(wanted))
    .map(([pid]) => pid);
}

/** Closes the AMQP connections named `name`; returns how many there were. */
export async function closeConnectionsNamed(name: string, reason: string): Promise<number> {
  const pids = await connectionPids(name);
  for (const pid of pids) await rabbitmqctl('close_connection', pid, reason);
  return pids.length;
}

/** The name an adapter (its pod) gives its pooled connection of a (vhost, user). */
export const adapterConnectionName = (pod: string, user: string, vhost = '/'): string =>
  connectionName(pod, { user, vhost });

export async function setMemoryWatermark(fraction: string): Promise<void> {
  await rabbitmqctl('set_vm_memory_high_watermark', fraction);
}

/** A queue the test declared and consumes, with what arrived so far. */
export interface TestQueue {
  readonly name: string;
  readonly messages: amqp.ConsumeMessage[];
  /** Resolves once `n` messages have arrived; rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs?: number): Promise<amqp.ConsumeMessage[]>;
}

/** An amqplib connection as guest, for the AMQP side of interop tests. */
export class AmqpClient {
  private readonly queues: string[] = [];

  private constructor(
    readonly connection: amqp.ChannelModel,
    readonly channel: amqp.ConfirmChannel,
  ) {}

  static async open(url = AMQP_URL): Promise<AmqpClient> {
    const connection = await amqp.connect(url);
    const channel = await connection.createConfirmChannel();
    return new AmqpClient(connection, channel);
  }

  /** Declares a server-named exclusive queue bound with `bindingKeys` and starts consuming it. */
  async consumeBound(bindingKeys: string[], exchange = 'amq.topic'): Promise<TestQueue> {
    const { queue } = await this.channel.assertQueue('', { exclusive: true, autoDelete: true });
    for (const key of bindingKeys) await this.channel.bindQueue(queue, exchange, key);
    const messages: amqp.ConsumeMessage[] = [];
    const waiters = new Set<() => void>();
    await this.channel.consume(
      queue,
      (msg) => {
        if (!msg) return;
        messages.push(msg);
        for (const w of waiters) w();
      },
      { noAck: true },
    );
    this.queues.push(queue);
    const waitFor = (n: number, timeoutMs = 10_000): Promise<amqp.ConsumeMessage[]> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (messages.length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`queue ${queue}: ${messages.length} of ${n} messages after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    return { name: queue, messages, waitFor };
  }

  /** Publishes to the exchange and waits for RabbitMQ's confirm. */
  async publish(
    routingKey: string,
    body: string | Buffer,
    options: amqp.Options.Publish = {},
    exchange = 'amq.topic',
  ): Promise<void> {
    this.channel.publish(exchange, routingKey, Buffer.from(body), options);
    await this.channel.waitForConfirms();
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}
