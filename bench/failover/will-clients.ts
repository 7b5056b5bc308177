import mqtt, { type MqttClient } from 'mqtt';
import { GUEST } from '../../test/integration/helpers/adapter';
import { within } from '../../test/integration/helpers/wait';
import { willOn } from '../../test/integration/replicas/replicas';

/**
 * Clients with a QoS 1 will on `<root>/<name>` (payload: the name), spread
 * over the replicas, that do nothing but stay connected until they are
 * killed (their socket destroyed, as a crashed device's is) or leave with a
 * DISCONNECT. A close of one that was neither is a live client the adapter
 * disconnected.
 */
export class WillClients {
  private readonly clients = new Map<string, MqttClient>();
  private readonly killed = new Set<string>();
  /** Clients closed by the server while neither killed nor leaving. */
  readonly disconnected: string[] = [];
  private leaving = false;

  private constructor(
    readonly tag: string,
    readonly root: string,
  ) {}

  static async connect(
    tag: string,
    root: string,
    names: readonly string[],
    livePort: () => number,
  ): Promise<WillClients> {
    const group = new WillClients(tag, root);
    for (const [i, name] of names.entries()) {
      const v5 = i % 2 === 1;
      const client = mqtt.connect({
        host: '127.0.0.1',
        port: livePort(),
        clientId: `${tag}-${name}`,
        protocolVersion: v5 ? 5 : 4,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        keepalive: 30,
        will: willOn(root, name),
        ...GUEST,
      });
      client.on('error', () => undefined);
      client.on('close', () => {
        if (!group.leaving && !group.killed.has(name) && !group.disconnected.includes(name))
          group.disconnected.push(name);
      });
      group.clients.set(name, client);
      await within(new Promise((resolve) => client.once('connect', resolve)), 8000, `${name} CONNECT`);
    }
    return group;
  }

  /** Destroys the sockets of `names`: their wills must now be published, once each. */
  kill(names: readonly string[]): void {
    for (const name of names) {
      this.killed.add(name);
      (this.clients.get(name)?.stream as { destroy(): void } | undefined)?.destroy();
    }
  }

  /** Everyone not killed sends DISCONNECT, so no will of theirs fires. */
  async leave(): Promise<void> {
    this.leaving = true;
    await Promise.all(
      [...this.clients]
        .filter(([name]) => !this.killed.has(name))
        .map(([, c]) => within(c.endAsync(false), 5000, 'DISCONNECT').catch(() => c.endAsync(true))),
    );
    for (const [name, c] of this.clients) if (this.killed.has(name)) c.end(true);
  }
}
