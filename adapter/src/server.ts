import { hostname } from 'node:os';
import type * as net from 'node:net';
import type { Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Config } from './config/settings';
import { settings } from './config/settings';
import { readPem } from './config/read-pem';
import { Broker } from './amqp/broker';
import { Reachability } from './amqp/reachability';
import { Connection, type ConnectionInfo } from './connection/connection';
import { httpServer } from './http/http-server';
import { createMetrics, type Metrics } from './observability/metrics';
import { LocalRegistry } from './session/registry';
import { StoreBacklog } from './session/backlog';
import { systemClock } from './ports/clock';
import { Sweeper } from './session/sweeper';
import { SessionReaper } from './session/session-reaper';
import { FenceCheck } from './session/fence';
import { WillPublisher } from './session/will-publisher';
import type { SessionDeps } from './session/types';
import { listen, tcpServer, tlsServer } from './transport/listeners';
import { webSocketServer } from './transport/websocket';
import { acceptProxyHeaders, type HeaderReader } from './transport/proxy/accept';
import { ProxiedPeers, listenerPeers } from './transport/proxy/peers';
import { createStores, type Stores } from './store/factory';
import { newIncarnation } from './store/incarnation';
import { buildInfo } from './cli/build-info';
import { PendingBinds } from './session/pending-binds';
import { ConnectGate } from './session/connect-gate';
import { Rebalancer } from './rebalance/rebalancer';
import { handOffAll } from './rebalance/hand-off-all';
import { withDeadline } from './session/deadline';

export interface Ports {
  readonly mqtt: number;
  readonly tls?: number;
  readonly ws?: number;
  readonly http: number;
}

/**
 * One adapter process: listeners, the HTTP endpoint, the AMQP broker port and
 * the stores, wired together; `stop()` is the SIGTERM drain.
 */
export class Adapter {
  readonly connections = new Set<Connection>();
  private readonly servers: net.Server[] = [];
  private readonly headerReaders: HeaderReader[] = [];
  private stopping = false;
  private seq = 0;

  private constructor(
    /** This replica's name, as its AMQP connections carry it. */
    readonly pod: string,
    readonly config: Config,
    readonly log: Logger,
    readonly metrics: Metrics,
    private readonly deps: SessionDeps,
    private readonly reachability: Reachability,
    private readonly stores: Stores,
    private readonly sweeper: Sweeper,
    private readonly fence: FenceCheck | undefined,
    private readonly http: HttpServer,
    readonly ports: Ports,
    private readonly rebalancer: Rebalancer | undefined,
  ) {}

  static async start(config: Config, log: Logger): Promise<Adapter> {
    const pod = config.podName ?? `${hostname()}-${process.pid}`;
    // Client ids are owned, and liveness kept, per process start: a container restarted in the same
    // pod must not pass for the process it replaced. Humans keep reading the plain pod name (AMQP).
    const incarnation = newIncarnation(pod);
    const build = buildInfo();
    const metrics = createMetrics(build);
    const broker = new Broker(
      {
        urls: config.amqpUrls,
        exchange: config.exchange,
        pod,
        attemptTimeoutMs: config.amqpConnectTimeoutMs,
        channelMax: config.amqpChannelMax,
        tls: {
          ca: readPem(settings.amqpCaFile.env, config.amqpCaFile),
          cert: readPem(settings.amqpTlsCertFile.env, config.amqpTlsCertFile),
          key: readPem(settings.amqpTlsKeyFile.env, config.amqpTlsKeyFile),
        },
        closeTimeoutMs: config.closeTimeoutMs,
        confirmTimeoutMs: config.confirmTimeoutMs,
        readyQueues: config.readyQueues,
      },
      metrics.amqp,
      log,
    );
    const stores = createStores(config, incarnation, log, metrics.redis);
    const registry = new LocalRegistry((n) => metrics.sessions.set(n));
    const willPublisher = new WillPublisher(config, broker, stores.retained, metrics, log);
    const backlog = new StoreBacklog({
      clock: systemClock,
      log,
      onDrop: (reason) => metrics.storeRetriesDropped.inc({ reason }),
      attemptTimeoutMs: config.confirmTimeoutMs,
    });
    const reaper = new SessionReaper(config, broker, metrics, log);
    const sweeper = new Sweeper(
      stores.liveness,
      stores.wills,
      willPublisher,
      stores.sessions,
      reaper,
      config.sweepIntervalMs,
      config.livenessTtlMs,
      log,
    );
    const deps: SessionDeps = {
      wills: stores.wills,
      willPublisher,
      reaper,
      backlog,
      pendingBinds: new PendingBinds(() => metrics.deadlinesExceeded.inc({ step: 'subscribe-bind' })),
      connecting: new ConnectGate(config.maxConnectsInProgress, (n) => metrics.connectsInProgress.set(n)),
      config,
      pod: incarnation,
      broker,
      sessions: stores.sessions,
      retained: stores.retained,
      registry,
      metrics,
      log,
    };
    stores.sessions.onTakeover((clientId, owner) => void registry.displace(clientId, owner.connection));
    const reachability = new Reachability(config.amqpUrls);
    await reachability.start();
    sweeper.start();
    // One process on the memory store holds every session itself; across replicas, notices can be lost.
    const fence =
      config.store === 'redis'
        ? new FenceCheck(registry, stores.sessions, config.fenceIntervalMs, log)
        : undefined;
    fence?.start();

    const holder: { adapter?: Adapter } = {};
    const onStream = (stream: Duplex, info: Omit<ConnectionInfo, 'id'>): void =>
      holder.adapter?.accept(stream, info);
    const servers: net.Server[] = [];
    const peers = new ProxiedPeers();
    const peerOf = listenerPeers(config, peers);
    const headerReaders: HeaderReader[] = [];
    const proxied = (server: net.Server): void => {
      if (config.proxyProtocol === 'off') return;
      const reader = acceptProxyHeaders(server, {
        mode: config.proxyProtocol,
        deadlineMs: config.connectTimeoutMs,
        peers,
        log,
        onRefused: () => metrics.protocolErrors.inc({ kind: 'proxy-header' }),
      });
      headerReaders.push(reader);
    };
    const mqtt = tcpServer(onStream, peerOf);
    proxied(mqtt);
    servers.push(mqtt);
    const mqttPort = await listen(mqtt, config.mqttHost, config.mqttPort, settings.mqttPort.env);
    let tlsPort: number | undefined;
    if (config.tlsCertFile) {
      const tls = tlsServer(config, onStream, peerOf);
      proxied(tls);
      servers.push(tls);
      tlsPort = await listen(tls, config.mqttHost, config.tlsPort, settings.tlsPort.env);
    }
    let wsPort: number | undefined;
    if (config.wsEnabled) {
      const ws = webSocketServer(config, onStream, log, peerOf);
      proxied(ws);
      servers.push(ws);
      wsPort = await listen(ws, config.mqttHost, config.wsPort, settings.wsPort.env);
    }
    const health = {
      notReady: async (): Promise<string[]> => {
        const problems: string[] = [];
        if (!reachability.reachable) problems.push('RabbitMQ is not reachable');
        problems.push(...(await stores.notReady()));
        if (holder.adapter?.stopping) problems.push('draining');
        return problems;
      },
    };
    // Rebalancing needs replicas that share a store; one process on memory has nobody to hand clients to.
    const rebalancer =
      config.rebalance && stores.loads
        ? new Rebalancer(
            stores.loads,
            {
              sessions: () => registry.size,
              ready: () => reachability.reachable,
              connections: () => holder.adapter?.connections ?? [],
            },
            {
              incarnation,
              ratePerSecond: config.rebalanceRate,
              tolerance: config.rebalanceTolerance,
              delayMs: config.rebalanceDelayMs,
              intervalMs: config.rebalanceIntervalMs,
              maxRounds: config.rebalanceMaxRounds,
            },
            { disconnects: metrics.rebalanceDisconnects, rounds: metrics.rebalanceRounds },
            log,
          )
        : undefined;
    const admin = rebalancer && {
      rebalance: async () => ({ id: await rebalancer.request() }),
    };
    const http = httpServer(metrics.registry, health, admin, config.connectTimeoutMs);
    const httpPort = await listen(http, config.mqttHost, config.httpPort, settings.httpPort.env);
    const adapter = new Adapter(
      pod,
      config,
      log,
      metrics,
      deps,
      reachability,
      stores,
      sweeper,
      fence,
      http,
      {
        mqtt: mqttPort,
        tls: tlsPort,
        ws: wsPort,
        http: httpPort,
      },
      rebalancer,
    );
    adapter.servers.push(...servers);
    adapter.headerReaders.push(...headerReaders);
    holder.adapter = adapter;
    rebalancer?.start();
    log.info(
      {
        pod,
        incarnation,
        ports: adapter.ports,
        store: config.store,
        exchange: config.exchange,
        version: build.version,
        commit: build.commit,
      },
      'mqtt-adapter listening',
    );
    return adapter;
  }

  accept(stream: Duplex, info: Omit<ConnectionInfo, 'id'>): void {
    if (this.stopping) {
      stream.destroy();
      return;
    }
    const c = new Connection(
      stream,
      { ...info, id: `${this.deps.pod}-${++this.seq}` },
      this.deps,
      this.forget,
    );
    this.connections.add(c);
  }

  /**
   * A connection is kept until its session has closed, not just its socket, so a drain also waits
   * for the sessions of clients that left just before it (their wills and queue deletions) before
   * closing RabbitMQ. One function for every connection, rather than a listener each.
   */
  private readonly forget = (c: Connection): void => void this.connections.delete(c);

  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * The drain: stop accepting and rebalancing, hand every client off as a
   * rebalance does but faster (handOffAll), and wait (bounded) until their
   * sessions have settled confirms, acks and wills, then release the backends.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const drainEnds = Date.now() + this.config.drainTimeoutMs;
    this.log.info({ connections: this.connections.size }, 'draining');
    for (const s of this.servers) s.close();
    for (const r of this.headerReaders) r.abort();
    await this.rebalancer?.stop();
    const { drainTimeoutMs, rebalanceRate } = this.config;
    await handOffAll([...this.connections], { drainTimeoutMs, ratePerSecond: rebalanceRate });
    // Wills being published, and store work being redone, have what is left of the drain timeout: RabbitMQ
    // may never confirm a will (a stalled node), and the process must still exit within its bound.
    await this.drainStep('wills being published', this.deps.willPublisher.settled(), drainEnds);
    // Every connection is released, so the other replicas need not sweep this pod's clients.
    await this.fence?.stop();
    await this.sweeper.stop(true);
    await this.drainStep('store work being redone', this.deps.backlog.stop(), drainEnds);
    this.reachability.stop();
    // Each pooled connection's close is bounded by MQTT_ADAPTER_CLOSE_TIMEOUT_MS (see PooledConnection.close).
    await this.deps.broker.close().catch(() => undefined);
    await this.stores.close();
    // A request still being read or answered (a scrape, a half-sent request) must not hold the exit.
    const httpClosed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    await httpClosed;
    this.log.info('drained');
  }

  /** Waits for `work` until the drain ends; past it, logs and counts what was left unfinished. */
  private async drainStep(what: string, work: Promise<unknown>, drainEnds: number): Promise<void> {
    const ms = Math.max(0, drainEnds - Date.now());
    if ((await withDeadline(work, ms)) === 'done') return;
    this.metrics.deadlinesExceeded.inc({ step: 'drain' });
    this.log.warn({ what }, 'drain timeout passed; exiting without waiting for them');
  }
}
