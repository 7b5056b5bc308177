import { BrokerError, type BrokerPort } from '../../../adapter/src/ports/broker';
import type { Credentials } from '../../../adapter/src/ports/credentials';
import { MqttError } from '../../../adapter/src/mqtt/errors';
import { Reason } from '../../../adapter/src/mqtt/reason-codes';
import { bindingMatches } from './amqp-topic';
import { FakeFastPath } from './fast-path';
import { FakeLink } from './link';
import { FakeQueue, type Stored } from './queue';
import { Replies } from './replies';

/** What a user may do; everything not denied is allowed. */
export interface Grants {
  readonly password?: string;
  /** May bind queues to the exchange (RabbitMQ: read on the exchange). */
  readonly bind?: boolean;
  /** May publish to the exchange (RabbitMQ: write on the exchange). */
  readonly publish?: boolean;
  /** May consume (RabbitMQ: read on the queue). */
  readonly read?: boolean;
}

/** What the fake holds that a session could have left behind. */
export interface Leftovers {
  readonly queues: string[];
  readonly bindings: string[];
  readonly consumers: number;
  readonly unacked: number;
  readonly links: number;
}

const refused = (what: string): BrokerError =>
  new BrokerError('access-refused', `ACCESS_REFUSED - ${what} (403)`, 403);

/**
 * An in-memory broker behind the broker port: one topic exchange with the
 * adapter's MQTT<->AMQP topic translation, queues with bindings, consumers
 * with prefetch, publisher confirms, the QoS 0 fast path, and the failures a
 * test needs (held or failed replies, refused operations, a lost connection,
 * a queue deleted under its consumers).
 */
export class FakeBroker implements BrokerPort {
  readonly queues = new Map<string, FakeQueue>();
  readonly links = new Set<FakeLink>();
  /** Replies to logins and queue, binding and consumer operations. */
  readonly ops = new Replies();
  /** Publisher confirms of QoS 1 and 2 publishes. */
  readonly confirms = new Replies();
  private readonly users = new Map<string, Grants>();
  private readonly fastPaths = new Map<string, FakeFastPath>();
  logins = 0;

  /** Sets what a user may do; a user never set may do everything with any password. */
  grant(user: string, grants: Grants): void {
    this.users.set(user, grants);
  }

  login(c: Credentials): Promise<FakeLink> {
    return this.ops.reply('login', () => {
      const g = this.users.get(c.user);
      if (g?.password !== undefined && g.password !== c.password)
        throw new MqttError(Reason.BadUserNameOrPassword, 'RabbitMQ refused the credentials');
      this.logins++;
      const link = new FakeLink(this, c);
      this.links.add(link);
      return link;
    });
  }

  close(): Promise<void> {
    for (const l of this.links) l.loseConnection();
    return Promise.resolve();
  }

  /** Throws a 403 when the link's user may not do `what`. */
  check(link: FakeLink, what: 'bind' | 'publish' | 'read', on: string): void {
    if (this.users.get(link.user)?.[what] === false) throw refused(`${what} ${on} for user '${link.user}'`);
  }

  existing(queue: string): FakeQueue {
    const q = this.queues.get(queue);
    if (!q) throw new BrokerError('refused', `NOT_FOUND - no queue '${queue}' (404)`, 404);
    return q;
  }

  declare(_link: FakeLink, name: string, durable: boolean, maxLength?: number): void {
    const q = this.queues.get(name);
    if (q && q.durable !== durable)
      throw new BrokerError(
        'refused',
        `PRECONDITION_FAILED - inequivalent arg 'durable' for '${name}' (406)`,
        406,
      );
    if (!q) this.queues.set(name, new FakeQueue(name, durable, maxLength));
  }

  /** Deletes a queue; RabbitMQ cancels its consumers, whoever they are. */
  deleteQueue(name: string): void {
    const q = this.queues.get(name);
    if (!q) return;
    this.queues.delete(name);
    for (const l of this.links) if (l.consumers.get(name)?.queue === q) l.cancelled(name);
    q.consumers.length = 0;
  }

  bind(link: FakeLink, queue: string, key: string): void {
    const q = this.existing(queue);
    this.check(link, 'bind', `exchange for '${key}'`);
    q.bindings.add(key);
  }

  /**
   * Routes a message to every queue with a matching binding (once per queue).
   * Throws a 403 for a refused publisher, BrokerError 'nacked' when a queue at
   * its limit refused it; returns whether any queue took it.
   */
  route(link: FakeLink, m: Stored): boolean {
    this.check(link, 'publish', `exchange for '${m.routingKey}'`);
    const targets = [...this.queues.values()].filter((q) =>
      [...q.bindings].some((k) => bindingMatches(k, m.routingKey)),
    );
    let nacked = false;
    for (const q of targets) {
      const fp = this.fastPathOf(q);
      if (fp) fp.dispatch(m);
      else if (!q.offer(m)) nacked = true;
    }
    if (nacked) throw new BrokerError('nacked', 'message nacked');
    return targets.length > 0;
  }

  fastPath(link: FakeLink): FakeFastPath {
    let fp = this.fastPaths.get(link.user);
    if (!fp) {
      const q = new FakeQueue(`fake-qos0-${link.user}`, false);
      this.queues.set(q.name, q);
      fp = new FakeFastPath(q);
      this.fastPaths.set(link.user, fp);
    }
    return fp;
  }

  private fastPathOf(q: FakeQueue): FakeFastPath | undefined {
    for (const fp of this.fastPaths.values()) if (fp.queue === q) return fp;
    return undefined;
  }

  forget(link: FakeLink): void {
    this.links.delete(link);
  }

  // What a test does to the broker as an operator would.

  /** A queue that refuses every publish routed to it (x-max-length 0, x-overflow reject-publish). */
  declareRejecting(name: string): void {
    this.queues.set(name, new FakeQueue(name, false, 0));
  }

  /** The broker connections of `user` (or everyone) go away. */
  loseConnection(user?: string): void {
    for (const l of [...this.links]) if (user === undefined || l.user === user) l.loseConnection();
  }

  /** Everything a closed session may have left: queues (the fast path's excepted), bindings, consumers. */
  leftovers(): Leftovers {
    const own = new Set([...this.fastPaths.values()].map((fp) => fp.queue));
    const all = [...this.queues.values()];
    return {
      queues: all.filter((q) => !own.has(q)).map((q) => q.name),
      bindings: all.flatMap((q) => [...q.bindings].map((k) => `${q.name} <- ${k}`)),
      consumers: all.reduce((n, q) => n + q.consumers.length, 0),
      unacked: [...this.links].reduce((n, l) => n + l.unacked.size, 0),
      links: [...this.links].filter((l) => !l.isClosed).length,
    };
  }
}
