import { z } from 'zod';
import { parseAmqpUrls } from './amqp-urls';
import { parseNameMap, portKeyProblem } from './name-map';
import { cipherListProblem } from './tls-ciphers';
import { SAN_TYPES, type SanType } from '../auth/subject-alt-names';

/**
 * The one schema of the adapter's configuration. Each setting names its
 * environment variable, its type (with the default) and its meaning; the loader,
 * the operator's pod builder and docs/configuration.md all derive from this table,
 * and a unit test fails when the docs drift from it.
 */
export interface Setting<T extends z.ZodType = z.ZodType> {
  readonly env: string;
  readonly schema: T;
  readonly doc: string;
  /** Secret-bearing settings are never logged. Any setting may come from a file (`<ENV>_FILE`). */
  readonly secret?: boolean;
}

const port = (def: number): z.ZodType<number> => z.coerce.number().int().min(0).max(65535).default(def);
const positiveInt = (def: number, max = Number.MAX_SAFE_INTEGER): z.ZodType<number> =>
  z.coerce.number().int().min(1).max(max).default(def);
/** Node fires a timer set past 2^31-1 ms after 1 ms instead (TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2_147_483_647;
/** Milliseconds that end in a setTimeout or setInterval: at least 1, at most what a Node timer holds. */
const timerMs = (def: number): z.ZodType<number> =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_TIMER_MS, `at most ${MAX_TIMER_MS} ms (2^31-1): Node runs a longer timer after 1 ms`)
    .default(def);
const bool = (def: boolean): z.ZodType<boolean> =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
const optionalString = (): z.ZodType<string | undefined> => z.string().min(1).optional();
const amqpUrlList = (def: string): z.ZodType<string[]> =>
  z
    .string()
    .default(def)
    .transform((v, ctx) => {
      const { urls, problems } = parseAmqpUrls(v);
      for (const message of problems) ctx.addIssue({ code: 'custom', message });
      return urls;
    });

const vhostMap = (
  keyProblem: (key: string) => string | undefined,
): z.ZodType<Readonly<Record<string, string>>> =>
  z
    .string()
    .default('')
    .transform((v, ctx) => {
      const { map, problems } = parseNameMap(v, keyProblem);
      for (const message of problems) ctx.addIssue({ code: 'custom', message });
      return map;
    });

const tlsVersion = (def: 'TLSv1.2' | 'TLSv1.3'): z.ZodType<'TLSv1.2' | 'TLSv1.3'> =>
  z.enum(['TLSv1.2', 'TLSv1.3']).default(def);
const cipherList = (): z.ZodType<string | undefined> =>
  z
    .string()
    .min(1)
    .optional()
    .superRefine((v, ctx) => {
      const problem = v === undefined ? undefined : cipherListProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

const setting = <T extends z.ZodType>(env: string, schema: T, doc: string, secret = false): Setting<T> => ({
  env,
  schema,
  doc,
  secret,
});

export const settings = {
  mqttHost: setting(
    'MQTT_ADAPTER_MQTT_HOST',
    z.string().min(1).default('0.0.0.0'),
    'Address the MQTT listeners bind to.',
  ),
  mqttPort: setting(
    'MQTT_ADAPTER_MQTT_PORT',
    port(1883),
    'Plain TCP MQTT port. 0 picks a free port (tests).',
  ),
  tlsPort: setting(
    'MQTT_ADAPTER_TLS_PORT',
    port(8883),
    'MQTT over TLS port; the TLS listener starts only when a certificate is set.',
  ),
  tlsCertFile: setting(
    'MQTT_ADAPTER_TLS_CERT_FILE',
    optionalString(),
    'PEM server certificate (chain) file. Enables the TLS listener.',
  ),
  tlsKeyFile: setting(
    'MQTT_ADAPTER_TLS_KEY_FILE',
    optionalString(),
    'PEM private key file of the server certificate.',
  ),
  tlsCaFile: setting(
    'MQTT_ADAPTER_TLS_CA_FILE',
    optionalString(),
    'PEM CA bundle used to verify client certificates.',
  ),
  tlsClientCert: setting(
    'MQTT_ADAPTER_TLS_CLIENT_CERT',
    z.enum(['none', 'optional', 'required']).default('none'),
    'Client certificates: `none` (not asked), `optional` (verified when sent), `required` (handshake fails without one).',
  ),
  tlsCertLogin: setting(
    'MQTT_ADAPTER_TLS_CERT_LOGIN',
    z.enum(['off', 'cn', 'san', 'dn']).default('off'),
    "Take the MQTT username from the verified client certificate (needs client certificates required), as RabbitMQ's `ssl_cert_login_from`: `cn` its subject CN (`common_name`), `san` a subject alternative name (`subject_alternative_name`; which one is set by the next two settings), `dn` its whole subject DN as RabbitMQ writes it (`distinguished_name`: RFC 4514, last RDN first, `CN=device-1,O=Acme,C=GB`; see docs/x509-login.md).",
  ),
  tlsCertLoginSanType: setting(
    'MQTT_ADAPTER_TLS_CERT_LOGIN_SAN_TYPE',
    z.enum(Object.keys(SAN_TYPES) as [SanType, ...SanType[]]).default('any'),
    "With `MQTT_ADAPTER_TLS_CERT_LOGIN=san`: the SAN type the username is taken from, `any`, `dns`, `ip`, `email`, `uri` or `other_name` (RabbitMQ's `ssl_cert_login_san_type`). An `other_name` is read for its value (a UPN `device-1@example.com`); only the forms Node decodes count as names: UPN, SmtpUTF8Mailbox, XmppAddr, NAIRealm and SRVName.",
  ),
  tlsCertLoginSanIndex: setting(
    'MQTT_ADAPTER_TLS_CERT_LOGIN_SAN_INDEX',
    z.coerce.number().int().min(0).max(1000).default(0),
    "With `MQTT_ADAPTER_TLS_CERT_LOGIN=san`: which SAN of that type, counted from 0 in the certificate's order (`ssl_cert_login_san_index`). A certificate without it is refused during the handshake.",
  ),
  tlsMinVersion: setting(
    'MQTT_ADAPTER_TLS_MIN_VERSION',
    tlsVersion('TLSv1.2'),
    'Oldest TLS version the TLS and secure WebSocket listeners accept: `TLSv1.2` or `TLSv1.3`.',
  ),
  tlsMaxVersion: setting(
    'MQTT_ADAPTER_TLS_MAX_VERSION',
    tlsVersion('TLSv1.3'),
    'Newest TLS version the TLS and secure WebSocket listeners accept: `TLSv1.2` or `TLSv1.3`.',
  ),
  tlsCiphers: setting(
    'MQTT_ADAPTER_TLS_CIPHERS',
    cipherList(),
    "OpenSSL cipher list of the TLS and secure WebSocket listeners, colon-separated: TLS 1.2 ciphers (`ECDHE-ECDSA-AES128-GCM-SHA256`, or keywords such as `HIGH:!aNULL`) and TLS 1.3 suites (`TLS_AES_256_GCM_SHA384`) alike. TLS 1.3 suites listed replace Node's TLS 1.3 defaults, and a list naming none keeps them; a list of TLS 1.3 suites only leaves TLS 1.2 without a cipher, so it needs MQTT_ADAPTER_TLS_MIN_VERSION=TLSv1.3. Unset: Node's default list. A cipher or suite name Node does not know is refused at start.",
  ),
  certLoginSecret: setting(
    'MQTT_ADAPTER_CERT_LOGIN_SECRET',
    optionalString(),
    'Secret from which the RabbitMQ password of a certificate-login user is derived (see docs/x509-login.md).',
    true,
  ),
  wsEnabled: setting('MQTT_ADAPTER_WS_ENABLED', bool(false), 'Start the MQTT over WebSocket listener.'),
  amqpWildcards: setting(
    'MQTT_ADAPTER_AMQP_WILDCARDS',
    bool(false),
    'Let `#` fill any level of a topic filter, matching zero or more levels as AMQP topic wildcards do (`a/#/c` binds `a.#.c`), as the original RabbitMQ MQTT adapter did; off, filters follow the MQTT specification. See docs/topic-mapping.md.',
  ),
  wsPort: setting(
    'MQTT_ADAPTER_WS_PORT',
    port(8080),
    'WebSocket listener port (TLS when a certificate is set).',
  ),
  wsPath: setting(
    'MQTT_ADAPTER_WS_PATH',
    z.string().startsWith('/').default('/mqtt'),
    'HTTP path of the WebSocket endpoint.',
  ),
  proxyProtocol: setting(
    'MQTT_ADAPTER_PROXY_PROTOCOL',
    z.enum(['off', 'optional', 'required']).default('off'),
    'PROXY protocol (v1 or v2, as HAProxy and cloud load balancers send it) on the TCP, TLS and WebSocket listeners, read before TLS and HTTP: `off`, `optional` (a connection with a header is taken as from the client it names, one without as from its own peer) or `required` (a connection without one is closed). Only for listeners that nothing but the proxy can reach: a header names any address its sender likes. See docs/operations.md.',
  ),
  httpPort: setting('MQTT_ADAPTER_HTTP_PORT', port(9090), 'Port of `/metrics`, `/healthz` and `/readyz`.'),
  amqpUrls: setting(
    'MQTT_ADAPTER_AMQP_URL',
    amqpUrlList('amqp://localhost:5672'),
    'RabbitMQ address (amqp:// or amqps://), or the nodes of a cluster as a comma-separated list: each pooled connection goes to the reachable node with the fewest of them. Any credentials in it are ignored: clients log in as themselves.',
    true,
  ),
  amqpCaFile: setting(
    'MQTT_ADAPTER_AMQP_CA_FILE',
    optionalString(),
    "PEM CA bundle that verifies RabbitMQ's certificate on `amqps://` connections, for a RabbitMQ certificate from a private CA. Unset: the system's CAs.",
  ),
  amqpTlsCertFile: setting(
    'MQTT_ADAPTER_AMQP_TLS_CERT_FILE',
    optionalString(),
    'PEM client certificate (chain) the adapter presents on `amqps://` connections, for a RabbitMQ that demands one (`ssl_options.verify = verify_peer`, `ssl_options.fail_if_no_peer_cert = true`). It admits the adapter to the TLS listener; clients still log in as their own RabbitMQ users. Needs MQTT_ADAPTER_AMQP_TLS_KEY_FILE.',
  ),
  amqpTlsKeyFile: setting(
    'MQTT_ADAPTER_AMQP_TLS_KEY_FILE',
    optionalString(),
    'PEM private key (unencrypted) of MQTT_ADAPTER_AMQP_TLS_CERT_FILE.',
  ),
  amqpConnectTimeoutMs: setting(
    'MQTT_ADAPTER_AMQP_CONNECT_TIMEOUT_MS',
    timerMs(5000),
    'Longest wait for one RabbitMQ node to accept a pooled connection (TCP and AMQP handshake); past it the next node is tried. Also the longest wait for a channel to open on a pooled connection (a stalled node, or one under a resource alarm, answers none): past it the work that needed the channel fails as on a lost channel, and a channel that opens later is closed.',
  ),
  amqpChannelMax: setting(
    'MQTT_ADAPTER_AMQP_CHANNEL_MAX',
    z.coerce.number().int().min(6).max(65535).default(2047),
    "Channels per pooled AMQP connection, asked for at the handshake; RabbitMQ's `channel_max` (2047 by default) caps it. A connection takes clients while their worst case fits (3 channels each, plus a shared consumer channel per 100 clients and 4 for the connection); more clients of one user open another connection.",
  ),
  exchange: setting(
    'MQTT_ADAPTER_EXCHANGE',
    z.string().min(1).default('amq.topic'),
    'Topic exchange that MQTT publishes go to.',
  ),
  vhost: setting(
    'MQTT_ADAPTER_VHOST',
    z.string().min(1).default('/'),
    'Virtual host for usernames without a `vhost:` prefix.',
  ),
  vhostByPort: setting(
    'MQTT_ADAPTER_VHOST_BY_PORT',
    vhostMap(portKeyProblem),
    "Virtual host by listener port, as RabbitMQ's `mqtt_port_to_vhost_mapping`: `1883=tenant-a,8883=tenant-b`, or a JSON object. The port is the one the client dialed: the adapter's own listener port, or the destination port a PROXY header names. Applies to usernames without a `vhost:` prefix (and the default user) when no certificate mapping applies.",
  ),
  vhostByCertificate: setting(
    'MQTT_ADAPTER_VHOST_BY_CERTIFICATE',
    vhostMap(() => undefined),
    "Virtual host by certificate-login identity (the CN, SAN or DN that MQTT_ADAPTER_TLS_CERT_LOGIN takes), as RabbitMQ's `mqtt_default_vhosts`: `device-1=tenant-a`, or a JSON object (which DN keys, holding `,` and `=`, need). Takes precedence over MQTT_ADAPTER_VHOST_BY_PORT; an identity of the form `vhost:user` keeps its own vhost. Needs certificate login.",
  ),
  defaultUser: setting(
    'MQTT_ADAPTER_DEFAULT_USER',
    optionalString(),
    'RabbitMQ user for clients that send no username. Unset: such clients are refused.',
  ),
  defaultPassword: setting(
    'MQTT_ADAPTER_DEFAULT_PASSWORD',
    optionalString(),
    'Password of the default user.',
    true,
  ),
  willUser: setting(
    'MQTT_ADAPTER_WILL_USER',
    optionalString(),
    "RabbitMQ user that publishes wills whose client's own login is not at hand (wills of a replica that died). Defaults to the default user.",
  ),
  willPassword: setting('MQTT_ADAPTER_WILL_PASSWORD', optionalString(), 'Password of the will user.', true),
  queueType: setting(
    'MQTT_ADAPTER_QUEUE_TYPE',
    z.enum(['classic', 'quorum']).default('classic'),
    'Queue type of persistent-session queues.',
  ),
  store: setting(
    'MQTT_ADAPTER_STORE',
    z.enum(['memory', 'redis']).default('memory'),
    'Where sessions, wills and retained messages live: `memory` (one process) or `redis` (replicas).',
  ),
  redisMode: setting(
    'MQTT_ADAPTER_REDIS_MODE',
    z.enum(['standalone', 'sentinel', 'cluster']).default('standalone'),
    'Redis topology.',
  ),
  redisUrl: setting(
    'MQTT_ADAPTER_REDIS_URL',
    z.string().min(1).default('redis://127.0.0.1:6379'),
    'Standalone: a redis:// or rediss:// URL. Sentinel and Cluster: comma-separated host:port seeds.',
    true,
  ),
  redisSentinelName: setting(
    'MQTT_ADAPTER_REDIS_SENTINEL_NAME',
    z.string().min(1).default('mymaster'),
    'Sentinel master group name.',
  ),
  redisPassword: setting(
    'MQTT_ADAPTER_REDIS_PASSWORD',
    optionalString(),
    'Redis password (Sentinel and Cluster modes; standalone may put it in the URL).',
    true,
  ),
  redisFailoverMs: setting(
    'MQTT_ADAPTER_REDIS_FAILOVER_MS',
    z.coerce.number().int().min(0).default(10000),
    'How long an established connection keeps retrying a session-state write (SUBSCRIBE of a persistent session, QoS 2 state) while Redis is unreachable, as during a Sentinel or Cluster failover, before the connection is closed; 0 closes it at the first failure. New CONNECTs are refused meanwhile.',
  ),
  redisKeyPrefix: setting(
    'MQTT_ADAPTER_REDIS_KEY_PREFIX',
    z.string().default('mqtt-adapter:'),
    'Prefix of every Redis key.',
  ),
  maxConnections: setting(
    'MQTT_ADAPTER_MAX_CONNECTIONS',
    positiveInt(100000),
    'Connections one process accepts; beyond it CONNACK is "server unavailable".',
  ),
  maxConnectsInProgress: setting(
    'MQTT_ADAPTER_MAX_CONNECTS_IN_PROGRESS',
    positiveInt(2000),
    'CONNECTs one process works on at once, counted until their work is done: one refused at MQTT_ADAPTER_CONNECT_DEADLINE_MS still waits for RabbitMQ and the store in the background. Beyond it CONNACK is "server unavailable" at once, so a reconnect storm against a slow RabbitMQ cannot pile up work and memory without bound.',
  ),
  maxPacketSize: setting(
    'MQTT_ADAPTER_MAX_PACKET_SIZE',
    positiveInt(16 * 1024 * 1024, 268435455),
    'Largest MQTT packet accepted, in bytes.',
  ),
  maxPacketSizeUnauthenticated: setting(
    'MQTT_ADAPTER_MAX_PACKET_SIZE_UNAUTHENTICATED',
    positiveInt(64 * 1024, 268435455),
    'Largest packet accepted before CONNACK, CONNECT included, in bytes (capped by MQTT_ADAPTER_MAX_PACKET_SIZE); a larger CONNECT is refused from its fixed header, unread. Over WebSocket also the largest message before CONNACK, refused from its frame header.',
  ),
  inflightWindow: setting(
    'MQTT_ADAPTER_INFLIGHT_WINDOW',
    positiveInt(64, 65535),
    'QoS>0 messages in flight per client each way: delivery prefetch and unconfirmed publishes.',
  ),
  maxSubscriptionsPerClient: setting(
    'MQTT_ADAPTER_MAX_SUBSCRIPTIONS_PER_CLIENT',
    positiveInt(1000),
    'Topic filters one client (one session) may hold; a SUBSCRIBE filter beyond it is refused with SUBACK 0x97 (quota exceeded; 3.x: 0x80) and nothing is bound for it. Re-subscribing to a held filter does not count again.',
  ),
  readyQueues: setting(
    'MQTT_ADAPTER_READY_QUEUES',
    z.coerce.number().int().min(0).max(100).default(0),
    "Queues each pooled AMQP connection keeps declared ahead for clean sessions (0 to 100; 0, the default, keeps none). A clean session's first queue-backed SUBSCRIBE (QoS 1 or 2, not shared) takes one and only binds it, so its SUBACK waits for the bind alone and not for RabbitMQ to create a queue; a replacement is declared behind it. Such queues are exclusive to the pooled connection and named `mqtt-subscription-ready-<pod>-<random>-<n>`, not after the client id (see docs/operations.md). When none is ready, or the user's permissions refuse such names, the session declares `mqtt-subscription-<client id>qos1` as it does with 0.",
  ),
  maxInflightQos2: setting(
    'MQTT_ADAPTER_MAX_INFLIGHT_QOS2',
    positiveInt(1000, 65535),
    'MQTT 3.x only: inbound QoS 2 packet ids one client may hold between PUBLISH and PUBREL (kept in its stored session); a new QoS 2 PUBLISH beyond it closes the connection. MQTT 5 clients are held to the Receive Maximum instead.',
  ),
  maxQos: setting(
    'MQTT_ADAPTER_MAX_QOS',
    z.coerce.number().int().min(0).max(2).default(2),
    'Highest QoS granted to subscriptions and accepted on PUBLISH (MQTT 5 Maximum QoS).',
  ),
  sessionExpiryMax: setting(
    'MQTT_ADAPTER_SESSION_EXPIRY_MAX',
    positiveInt(86400),
    "Longest session expiry in seconds (what MQTT 3 persistent sessions get). The store ends a session at its expiry, as its CONNECT or DISCONNECT set it, and the sweeper then deletes its queue; the queue's own x-expires, this plus an hour, is only a backstop.",
  ),
  connectTimeoutMs: setting(
    'MQTT_ADAPTER_CONNECT_TIMEOUT_MS',
    timerMs(10000),
    'A socket that sends no CONNECT in this time is closed; so is one that has not finished its TLS handshake, or its WebSocket upgrade request, in this time, and a socket of the HTTP port idle this long.',
  ),
  serverKeepAlive: setting(
    'MQTT_ADAPTER_SERVER_KEEPALIVE',
    z.coerce.number().int().min(0).max(65535).default(0),
    'MQTT 5 Server Keep Alive in seconds; 0 keeps the client value.',
  ),
  maxKeepAlive: setting(
    'MQTT_ADAPTER_MAX_KEEPALIVE',
    z.coerce.number().int().min(0).max(65535).default(0),
    'Longest keepalive a client may ask for, in seconds; 0 sets no cap. An MQTT 5 client asking for more, or for 0 (none), is held to the cap and told so in CONNACK (Server Keep Alive); one asking for less keeps its own. An MQTT 3.x client asking for more, or for 0, is refused with CONNACK 0x02 (identifier rejected), as it cannot be told another value. MQTT_ADAPTER_SERVER_KEEPALIVE, when set, takes precedence for MQTT 5 clients.',
  ),
  serverReference: setting(
    'MQTT_ADAPTER_SERVER_REFERENCE',
    optionalString(),
    'MQTT 5 Server Reference (the address clients should use, usually the Service) sent with DISCONNECT 0x9C (use another server) when a drain or a rebalance hands a client off; unset, a drain sends 0x8B (server shutting down) and a rebalance 0x9C without a reference.',
  ),
  rebalance: setting(
    'MQTT_ADAPTER_REBALANCE',
    bool(true),
    'With the Redis store: when a replica joins (after MQTT_ADAPTER_REBALANCE_DELAY_MS) or on POST /rebalance to any replica, replicas above the average number of sessions by more than the tolerance hand clients off (v5: DISCONNECT 0x9C; v3: a plain close) down to the average. false turns off both triggers and the endpoint.',
  ),
  rebalanceRate: setting(
    'MQTT_ADAPTER_REBALANCE_RATE',
    positiveInt(50, 1000),
    'Most clients one replica hands off per second in a rebalance (a hard bound: hand-offs are spaced at least 1/rate apart, with up to 50 % random extra gap as jitter). A drain hands off at this rate or faster, so as to finish within half of MQTT_ADAPTER_DRAIN_TIMEOUT_MS.',
  ),
  rebalanceTolerance: setting(
    'MQTT_ADAPTER_REBALANCE_TOLERANCE',
    z.coerce.number().min(0).max(10).default(0.1),
    'A replica hands clients off when it holds more than the average times (1 + tolerance), or more than the average while another holds less than the average times (1 - tolerance); it then hands off down to the average.',
  ),
  rebalanceDelayMs: setting(
    'MQTT_ADAPTER_REBALANCE_DELAY_MS',
    z.coerce.number().int().min(0).default(10000),
    'Wait after a new replica appears before rebalancing onto it, so that it is ready and its Service routes to it; a further arrival restarts the wait.',
  ),
  rebalanceMaxRounds: setting(
    'MQTT_ADAPTER_REBALANCE_MAX_ROUNDS',
    positiveInt(5, 100),
    'Most rounds one trigger starts. Clients handed off land wherever the Service sends them, so after a round (and MQTT_ADAPTER_REBALANCE_DELAY_MS, at least three intervals, plus up to 50 % jitter) the replicas look again, and while any is off the average by more than the tolerance either way, those above the average hand off down to it once more; past this many rounds a warning is logged. 1: a single round.',
  ),
  rebalanceIntervalMs: setting(
    'MQTT_ADAPTER_REBALANCE_INTERVAL_MS',
    timerMs(1000),
    "How often each replica publishes its session count to Redis and reads the others' (and any rebalance request).",
  ),
  drainTimeoutMs: setting(
    'MQTT_ADAPTER_DRAIN_TIMEOUT_MS',
    timerMs(20000),
    'On SIGTERM, longest wait for confirms, acks and wills being published to settle before exit; what is left then is abandoned, and the AMQP connections are closed (each within MQTT_ADAPTER_CLOSE_TIMEOUT_MS).',
  ),
  willDrainGraceMs: setting(
    'MQTT_ADAPTER_WILL_DRAIN_GRACE_MS',
    z.coerce.number().int().min(0).default(10000),
    'Wills of clients closed by a drain wait this long, so a client that reconnects elsewhere fires none.',
  ),
  connectDeadlineMs: setting(
    'MQTT_ADAPTER_CONNECT_DEADLINE_MS',
    timerMs(15000),
    'Longest time from CONNECT to CONNACK (RabbitMQ login, claim, resume); past it the client gets CONNACK 0x88 (v3: 0x03) and what the CONNECT acquired is undone.',
  ),
  closeTimeoutMs: setting(
    'MQTT_ADAPTER_CLOSE_TIMEOUT_MS',
    timerMs(5000),
    'Longest wait for a closing session to settle (work under way, confirms whose PUBACKs can no longer be sent, will, queue); past it the client id is free again and the rest finishes in the background. Also the longest wait for RabbitMQ to answer the close of a pooled AMQP connection; past it its socket is destroyed.',
  ),
  confirmTimeoutMs: setting(
    'MQTT_ADAPTER_CONFIRM_TIMEOUT_MS',
    timerMs(30000),
    'Longest wait for RabbitMQ to confirm a QoS 1 or 2 publish or a will (under a resource alarm, or from a node that stopped answering, none comes until the AMQP heartbeat ends the connection). Past it the publish fails as on a lost channel: no PUBACK/PUBREC, the connection closes and the client sends the message again on reconnecting; a will is tried again. Also the longest wait for RabbitMQ to answer a method on an open channel (a declare, bind, unbind, purge or delete of a SUBSCRIBE, UNSUBSCRIBE, CONNECT or session close, a consume probe, a basic.consume on a consumer channel shared with other clients (the consumer RabbitMQ starts after that is cancelled as its consume-ok comes), a basic.cancel, a channel close as a session ends): past it the operation fails as on a lost channel (a SUBSCRIBE gets 0x80 for that filter, as for any binding RabbitMQ does not make), the channel it waited on is closed without waiting, and the reply that comes later is dropped with it; a cancel on a consumer channel shared with other clients is left to finish, the channel kept for them, and the unacked deliveries of the client go back once it does. Also the longest the store retry backlog waits for one entry before it goes on to the next.',
  ),
  fenceIntervalMs: setting(
    'MQTT_ADAPTER_FENCE_INTERVAL_MS',
    timerMs(10000),
    'With the Redis store, how often each pod reads the owner epoch of its sessions, so a connection whose takeover notice was lost is closed within this time.',
  ),
  livenessTtlMs: setting(
    'MQTT_ADAPTER_LIVENESS_TTL_MS',
    positiveInt(2000),
    "A replica silent this long (no liveness refresh) is presumed dead once its Redis connections are closed, as a crashed process's are at once.",
  ),
  livenessStallMs: setting(
    'MQTT_ADAPTER_LIVENESS_STALL_MS',
    z.coerce.number().int().min(0).default(10000),
    'Stall tolerance: a silent replica whose Redis connections are still open (GC pause, CPU throttling, SIGSTOP) is presumed dead only this much later than the TTL; also bounds a node lost without closing its connections.',
  ),
  sweepIntervalMs: setting(
    'MQTT_ADAPTER_SWEEP_INTERVAL_MS',
    timerMs(500),
    'How often each pod looks for dead pods and due wills.',
  ),
  podName: setting(
    'MQTT_ADAPTER_POD_NAME',
    optionalString(),
    'Name of this replica (the pod name); defaults to hostname-pid. Each process start adds a start id of its own to it for liveness and client ownership.',
  ),
  logLevel: setting(
    'MQTT_ADAPTER_LOG_LEVEL',
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    'pino log level.',
  ),
} as const;

export type Settings = typeof settings;
export type Config = { -readonly [K in keyof Settings]: z.output<Settings[K]['schema']> };
