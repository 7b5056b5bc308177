import pino from 'pino';
import type * as mqtt from 'mqtt-packet';
import { loadConfig } from '../../adapter/src/config/load';
import type { Config } from '../../adapter/src/config/settings';
import { Connection } from '../../adapter/src/connection/connection';
import { createMetrics } from '../../adapter/src/observability/metrics';
import { LocalRegistry } from '../../adapter/src/session/registry';
import type { SessionDeps } from '../../adapter/src/session/types';
import { WillPublisher } from '../../adapter/src/session/will-publisher';
import { StoreBacklog } from '../../adapter/src/session/backlog';
import { PendingBinds } from '../../adapter/src/session/pending-binds';
import { ConnectGate } from '../../adapter/src/session/connect-gate';
import { SessionReaper } from '../../adapter/src/session/session-reaper';
import { createStores, type Stores } from '../../adapter/src/store/factory';
import { FakeBroker } from './fake-broker';
import { ManualClock } from './manual-clock';
import { MqttPipe } from './mqtt-pipe';

export interface Client {
  readonly pipe: MqttPipe;
  readonly connection: Connection;
}

/**
 * The session core with nothing real under it: a fake broker, memory stores,
 * a clock the test moves, and connections over in-memory sockets speaking
 * real MQTT bytes.
 */
export class SessionRig {
  readonly broker = new FakeBroker();
  readonly clock = new ManualClock();
  readonly registry = new LocalRegistry();
  readonly config: Config;
  readonly stores: Stores;
  readonly deps: SessionDeps;
  private seq = 0;

  constructor(env: Record<string, string> = {}) {
    this.config = loadConfig({ MQTT_ADAPTER_INFLIGHT_WINDOW: '8', ...env }, () => '');
    const log = pino({ level: 'silent' });
    const metrics = createMetrics();
    this.stores = createStores(this.config, 'pod-a', log);
    this.deps = {
      config: this.config,
      pod: 'pod-a',
      broker: this.broker,
      sessions: this.stores.sessions,
      retained: this.stores.retained,
      registry: this.registry,
      wills: this.stores.wills,
      willPublisher: new WillPublisher(this.config, this.broker, this.stores.retained, metrics, log),
      reaper: new SessionReaper(this.config, this.broker, metrics, log, () => this.clock.now()),
      backlog: new StoreBacklog({ clock: this.clock, log }),
      pendingBinds: new PendingBinds(undefined, this.clock),
      connecting: new ConnectGate(this.config.maxConnectsInProgress),
      metrics,
      log,
      clock: this.clock,
    };
    this.stores.sessions.onTakeover(
      (clientId, owner) => void this.registry.displace(clientId, owner.connection),
    );
  }

  /** A socket the adapter accepted, with nothing sent yet. */
  open(protocolVersion: 4 | 5 = 4): Client {
    const pipe = new MqttPipe(protocolVersion);
    const connection = new Connection(
      pipe.server,
      { id: `c${++this.seq}`, transport: 'tcp', remote: 'test' },
      this.deps,
    );
    return { pipe, connection };
  }

  /** Opens a socket and sends CONNECT (plus `after`, in the same write); does not wait for CONNACK. */
  start(
    clientId: string,
    over: Partial<mqtt.IConnectPacket> = {},
    after: readonly mqtt.Packet[] = [],
  ): Client {
    const protocolVersion = over.protocolVersion === 5 ? 5 : 4;
    const c = this.open(protocolVersion);
    c.pipe.sendAll([connectPacket(clientId, over), ...after]);
    return c;
  }

  /** Connects and waits for a successful CONNACK. */
  async connect(
    clientId: string,
    over: Partial<mqtt.IConnectPacket> = {},
  ): Promise<Client & { connack: mqtt.IConnackPacket }> {
    const c = this.start(clientId, over);
    const connack = await c.pipe.next('connack');
    if ((connack.reasonCode ?? connack.returnCode) !== 0)
      throw new Error(`CONNACK ${connack.reasonCode ?? connack.returnCode}`);
    return { ...c, connack };
  }

  /** Subscribes and returns the granted codes. */
  async subscribe(c: Client, filter: string, qos: 0 | 1 | 2, messageId = 1): Promise<number[]> {
    c.pipe.send({ cmd: 'subscribe', messageId, subscriptions: [{ topic: filter, qos }] });
    return (await c.pipe.next('suback')).granted as number[];
  }

  /** The client's socket drops; resolves once the connection has begun closing. */
  async hangUp(c: Client): Promise<void> {
    c.pipe.hangUp();
    while (c.connection.phase !== 'closing' && c.connection.phase !== 'closed') await nextTurn();
  }

  /** Resolves once the connection has closed and undone all it held. */
  async closed(c: Client): Promise<void> {
    await c.pipe.closed;
    while (c.connection.phase !== 'closed') await nextTurn();
  }
}

const nextTurn = (): Promise<void> => new Promise<void>((r) => setImmediate(r));

export function connectPacket(
  clientId: string,
  over: Partial<mqtt.IConnectPacket> = {},
): mqtt.IConnectPacket {
  return {
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clientId,
    clean: true,
    keepalive: 0,
    username: 'guest',
    password: Buffer.from('guest'),
    ...over,
  };
}

export function publishPacket(
  topic: string,
  payload: string,
  qos: 0 | 1 | 2,
  messageId?: number,
): mqtt.IPublishPacket {
  return {
    cmd: 'publish',
    topic,
    payload: Buffer.from(payload),
    qos,
    dup: false,
    retain: false,
    ...(qos > 0 ? { messageId } : {}),
  };
}
