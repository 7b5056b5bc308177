import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { GUEST } from '../../test/integration/helpers/adapter';
import { within } from '../../test/integration/helpers/wait';

/**
 * An mqtt.js client that, whenever its connection is lost, reconnects to a
 * replica that is running then (mqtt.js resends its unacknowledged PUBLISH and
 * PUBREL packets on the new connection [MQTT-4.4.0-1]), and counts the
 * reconnects of a persistent session that found no session present
 * [MQTT-3.2.2-2].
 */
export class Roamer {
  readonly client: MqttClient;
  /** The one server mqtt.js connects to next; replaced on every close. */
  private readonly servers: { host: string; port: number }[];
  private connects = 0;
  /** Reconnects (after the first CONNACK). */
  reconnects = 0;
  /** Reconnects of a persistent session with session present 0. */
  withoutSession = 0;
  /** Connections broken on purpose by drop(). */
  dropped = 0;
  /** Connection attempts that failed (refused CONNACK, socket error) before one succeeded. */
  failedAttempts = 0;
  /** Milliseconds from each lost connection to the CONNACK of the next. */
  readonly gapsMs: number[] = [];
  private lostAt: number | undefined;

  constructor(
    livePort: () => number,
    readonly options: IClientOptions & { clientId: string },
    readonly persistent: boolean,
  ) {
    this.servers = [{ host: '127.0.0.1', port: livePort() }];
    this.client = mqtt.connect({
      protocolVersion: 4,
      reconnectPeriod: 200,
      connectTimeout: 5000,
      // What the session holds is under test, so mqtt.js must not make up for a lost one.
      resubscribe: false,
      // A CONNECT refused "server unavailable" (Redis failing over) is tried again, as a device would.
      reconnectOnConnackError: true,
      ...GUEST,
      ...options,
      servers: this.servers,
    });
    this.client.on('connect', (connack) => {
      if (this.connects++ === 0) return;
      this.reconnects++;
      if (this.lostAt !== undefined) this.gapsMs.push(Date.now() - this.lostAt);
      this.lostAt = undefined;
      if (persistent && !connack.sessionPresent) this.withoutSession++;
    });
    this.client.on('error', () => this.failedAttempts++);
    this.client.on('close', () => {
      this.lostAt ??= Date.now();
      this.servers[0] = { host: '127.0.0.1', port: livePort() };
    });
  }

  /** Resolves on the first CONNACK. */
  async ready(ms = 10_000): Promise<void> {
    if (this.client.connected) return;
    await within(
      new Promise((resolve) => this.client.once('connect', resolve)),
      ms,
      `${this.options.clientId} CONNECT`,
    );
  }

  /** Breaks the connection as a network failure would; the client reconnects, to a running replica. */
  drop(): void {
    this.dropped++;
    (this.client.stream as { destroy(): void }).destroy();
  }

  /** DISCONNECT, then (for a persistent session) a clean connect that discards it [MQTT-3.1.2-6]. */
  async leave(port: number): Promise<void> {
    await within(this.client.endAsync(false), 5000, 'DISCONNECT').catch(() => this.client.endAsync(true));
    if (!this.persistent) return;
    const v5 = this.options.protocolVersion === 5;
    const discard = mqtt.connect({
      host: '127.0.0.1',
      port,
      clientId: this.options.clientId,
      protocolVersion: v5 ? 5 : 4,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...GUEST,
      ...(v5 ? { properties: { sessionExpiryInterval: 0 } } : {}),
    });
    try {
      await within(new Promise((resolve) => discard.once('connect', resolve)), 8000, 'clean CONNECT');
    } finally {
      await within(discard.endAsync(false), 5000, 'DISCONNECT').catch(() => discard.endAsync(true));
    }
  }
}
