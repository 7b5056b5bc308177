import { strict as assert } from 'node:assert';
import type { V1EnvVar } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { loadConfig } from '../../../adapter/src/config/load';
import { settings } from '../../../adapter/src/config/settings';
import { adapterEnv } from '../../../operator/src/builders/adapter-env';
import { secretMounts } from '../../../operator/src/builders/secret-mounts';
import { LIMIT_SETTINGS } from '../../../operator/src/spec/limits';
import { REBALANCE_SETTINGS } from '../../../operator/src/spec/rebalance';
import { listener, listenerSchema } from './listener-fixture';

/** Resolves env the way the kubelet would (fieldRef) and returns it as the adapter's process.env. */
function processEnv(env: V1EnvVar[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) out[e.name] = e.value ?? (e.valueFrom?.fieldRef ? 'demo-7d9f-abcde' : '');
  return out;
}

/** Stands in for the mounted Secret files: path -> content. */
const files: Record<string, string> = {
  '/etc/mqtt-adapter/rabbitmq/uri': 'amqp://rabbit.ns1:5672',
  '/etc/mqtt-adapter/redis/url': 'redis://redis.ns1:6379',
  '/etc/mqtt-adapter/redis/password': 'pw',
  '/etc/mqtt-adapter/default-user/username': 'guest',
  '/etc/mqtt-adapter/default-user/password': 'guest',
  '/etc/mqtt-adapter/will-user/username': 'will-publisher',
  '/etc/mqtt-adapter/will-user/password': 'will-pw',
  '/etc/mqtt-adapter/cert-login/secret': 'derive-from-me',
  '/etc/mqtt-adapter/tls/tls.crt': 'cert',
  '/etc/mqtt-adapter/tls/tls.key': 'key',
  '/etc/mqtt-adapter/tls-ca/ca.crt': 'ca',
};
const read = (path: string): string => {
  const f = files[path];
  if (f === undefined) throw new Error(`ENOENT ${path}`);
  return f;
};

describe('operator: adapter env is the adapter configuration', () => {
  const known = new Set(Object.values(settings).map((s) => s.env));

  it('uses only names from adapter/src/config/settings.ts, or their _FILE form', () => {
    const l = listener({
      redis: { secretName: 'r', passwordKey: 'password', mode: 'sentinel', keyPrefix: 'x:' },
      defaultUser: { secretName: 'u' },
      tls: { secretName: 't', port: 8884, clientCertificate: 'optional', caSecretName: 'ca' },
      webSocket: { enabled: true },
      limits: { maxConnections: 10, maxPacketSize: 1024, inflightWindow: 8, sessionExpirySeconds: 60 },
    });
    for (const e of adapterEnv(l.spec, secretMounts(l.spec))) {
      if (known.has(e.name)) continue;
      // `<ENV>_FILE` is read for every setting (adapter/src/config/load.ts); the default
      // username is one that is not secret-bearing but lives in the same Secret as its password.
      assert.ok(
        e.name.endsWith('_FILE') && known.has(e.name.slice(0, -5)),
        `${e.name} is not an adapter setting`,
      );
    }
  });

  it('passes the nodes of spec.rabbitmq.urls as they are, with no Secret to mount', () => {
    const urls = ['amqp://rabbit-0.rabbit.ns1:5672', 'amqp://rabbit-1.rabbit.ns1:5672'];
    const l = listener({ rabbitmq: { urls } });
    const mounts = secretMounts(l.spec);
    assert.equal(mounts.rabbitmq, undefined);
    const env = adapterEnv(l.spec, mounts);
    assert.equal(
      env.find((e) => e.name === `${settings.amqpUrls.env}_FILE`),
      undefined,
    );
    assert.deepEqual(loadConfig(processEnv(env), read).amqpUrls, urls);
  });

  it('reads every node from the Secret when its URI is a comma-separated list', () => {
    const l = listener({ rabbitmq: { secretName: 'cluster', uriKey: 'nodes' } });
    const mounts = secretMounts(l.spec);
    const path = mounts.rabbitmq?.files.uri.path ?? '';
    const env = processEnv(adapterEnv(l.spec, mounts));
    assert.equal(env[`${settings.amqpUrls.env}_FILE`], path);
    const config = loadConfig(env, (p) => (p === path ? 'amqp://u:p@r0:5672,amqp://u:p@r1:5672\n' : read(p)));
    assert.deepEqual(config.amqpUrls, ['amqp://u:p@r0:5672', 'amqp://u:p@r1:5672']);
  });

  it('passes spec.proxyProtocol through, off when unset', () => {
    const config = (spec: Record<string, unknown>) =>
      loadConfig(processEnv(adapterEnv(listener(spec).spec, secretMounts(listener(spec).spec))), read);
    assert.equal(config({}).proxyProtocol, 'off');
    for (const mode of ['optional', 'required'] as const)
      assert.equal(config({ proxyProtocol: mode }).proxyProtocol, mode);
  });

  it('passes spec.amqpWildcards through, off when unset', () => {
    const config = (spec: Record<string, unknown>) =>
      loadConfig(processEnv(adapterEnv(listener(spec).spec, secretMounts(listener(spec).spec))), read);
    assert.equal(config({}).amqpWildcards, false);
    assert.equal(config({ amqpWildcards: true }).amqpWildcards, true);
  });

  it('passes spec.serverReference through, which drains and rebalances send with DISCONNECT 0x9C; unset when absent', () => {
    const config = (spec: Record<string, unknown>) =>
      loadConfig(processEnv(adapterEnv(listener(spec).spec, secretMounts(listener(spec).spec))), read);
    assert.equal(config({}).serverReference, undefined);
    assert.equal(
      config({ serverReference: 'mqtt.example.com:8883' }).serverReference,
      'mqtt.example.com:8883',
    );
  });

  it('loads with the adapter config loader and means what the spec says', () => {
    const l = listener({
      replicas: 3,
      redis: { secretName: 'r', passwordKey: 'password', mode: 'sentinel' },
      defaultUser: { secretName: 'u' },
      webSocket: { enabled: true, port: 8081, path: '/ws' },
      exchange: 'iot',
      vhost: 'devices',
      logLevel: 'debug',
      limits: { maxConnections: 10, inflightWindow: 8 },
    });
    const config = loadConfig(processEnv(adapterEnv(l.spec, secretMounts(l.spec))), read);
    assert.equal(config.mqttPort, 1883);
    assert.equal(config.httpPort, 9090);
    assert.deepEqual(config.amqpUrls, ['amqp://rabbit.ns1:5672']);
    assert.equal(config.store, 'redis');
    assert.equal(config.redisMode, 'sentinel');
    assert.equal(config.redisUrl, 'redis://redis.ns1:6379');
    assert.equal(config.redisPassword, 'pw');
    assert.equal(config.defaultUser, 'guest');
    assert.equal(config.wsEnabled, true);
    assert.equal(config.wsPort, 8081);
    assert.equal(config.wsPath, '/ws');
    assert.equal(config.exchange, 'iot');
    assert.equal(config.vhost, 'devices');
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.maxConnections, 10);
    assert.equal(config.inflightWindow, 8);
    assert.equal(config.podName, 'demo-7d9f-abcde');
    assert.equal(config.drainTimeoutMs, 20000);
  });

  it('sets every limit of spec.limits as the adapter setting of that name, seconds converted', () => {
    const limits = {
      maxConnections: 10,
      maxPacketSize: 4096,
      inflightWindow: 8,
      sessionExpirySeconds: 60,
      maxSubscriptionsPerClient: 5,
      maxInflightQos2: 7,
      maxPacketSizeUnauthenticated: 512,
      maxKeepAliveSeconds: 120,
      maxQos: 1,
      connectTimeoutSeconds: 3,
      readyQueues: 4,
    };
    const l = listener({ limits });
    const c = loadConfig(processEnv(adapterEnv(l.spec, secretMounts(l.spec))), read);
    assert.deepEqual(
      {
        maxConnections: c.maxConnections,
        maxPacketSize: c.maxPacketSize,
        inflightWindow: c.inflightWindow,
        sessionExpirySeconds: c.sessionExpiryMax,
        maxSubscriptionsPerClient: c.maxSubscriptionsPerClient,
        maxInflightQos2: c.maxInflightQos2,
        maxPacketSizeUnauthenticated: c.maxPacketSizeUnauthenticated,
        maxKeepAliveSeconds: c.maxKeepAlive,
        maxQos: c.maxQos,
        connectTimeoutSeconds: c.connectTimeoutMs / 1000,
        readyQueues: c.readyQueues,
      },
      limits,
    );
  });

  it('sets spec.rebalance as the adapter rebalance settings, seconds and percent converted; a field left out keeps the default', () => {
    const config = (rebalance?: Record<string, unknown>) => {
      const l = listener(rebalance ? { rebalance } : {});
      return loadConfig(processEnv(adapterEnv(l.spec, secretMounts(l.spec))), read);
    };
    const c = config({
      enabled: false,
      ratePerSecond: 200,
      tolerancePercent: 5,
      delaySeconds: 30,
      intervalSeconds: 2,
      maxRounds: 8,
    });
    assert.deepEqual(
      [c.rebalance, c.rebalanceRate, c.rebalanceTolerance, c.rebalanceDelayMs, c.rebalanceIntervalMs],
      [false, 200, 0.05, 30_000, 2_000],
    );
    assert.equal(c.rebalanceMaxRounds, 8);
    const defaults = config();
    const some = config({ ratePerSecond: 7 });
    assert.equal(some.rebalanceRate, 7);
    assert.deepEqual(
      [some.rebalance, some.rebalanceTolerance, some.rebalanceDelayMs, some.rebalanceMaxRounds],
      [
        defaults.rebalance,
        defaults.rebalanceTolerance,
        defaults.rebalanceDelayMs,
        defaults.rebalanceMaxRounds,
      ],
    );
    assert.ok(
      !adapterEnv(listener().spec, secretMounts(listener().spec)).some((e) => e.name.includes('REBALANCE')),
    );
  });

  it('holds each spec.rebalance bound in the CRD to what the adapter takes', () => {
    const schema = listenerSchema().properties!.spec.properties!.rebalance.properties!;
    assert.deepEqual(Object.keys(schema).sort(), Object.keys(REBALANCE_SETTINGS).sort());
    for (const [field, s] of Object.entries(schema)) {
      if (s.type === 'boolean') continue;
      const { setting, value } = REBALANCE_SETTINGS[field as keyof typeof REBALANCE_SETTINGS];
      const takes = (n: number): boolean => setting.schema.safeParse(value(n)).success;
      const { minimum, maximum } = s as { minimum: number; maximum: number };
      assert.ok(takes(minimum), `${field}: minimum ${minimum}`);
      assert.ok(takes(maximum), `${field}: maximum ${maximum}`);
    }
  });

  it('holds each limit in the CRD to the bounds the adapter takes', () => {
    const schema = listenerSchema().properties!.spec.properties!.limits.properties!;
    assert.deepEqual(Object.keys(schema).sort(), Object.keys(LIMIT_SETTINGS).sort());
    for (const [field, s] of Object.entries(schema)) {
      const { setting, value } = LIMIT_SETTINGS[field as keyof typeof LIMIT_SETTINGS];
      const takes = (n: number): boolean => setting.schema.safeParse(value(n)).success;
      const { minimum, maximum } = s as { minimum: number; maximum: number };
      assert.ok(takes(minimum) && !takes(minimum - 1), `${field}: minimum ${minimum}`);
      assert.ok(takes(maximum) && !takes(maximum + 1), `${field}: maximum ${maximum}`);
    }
  });

  it('logs wills in as spec.willUser from its own Secret, and leaves the will user unset without it', () => {
    const l = listener({
      redis: { secretName: 'r' },
      defaultUser: { secretName: 'u' },
      willUser: { secretName: 'w' },
    });
    const mounts = secretMounts(l.spec);
    assert.equal(mounts.willUser?.secretName, 'w');
    const env = processEnv(adapterEnv(l.spec, mounts));
    assert.equal(env.MQTT_ADAPTER_WILL_USER_FILE, '/etc/mqtt-adapter/will-user/username');
    assert.equal(env.MQTT_ADAPTER_WILL_PASSWORD_FILE, '/etc/mqtt-adapter/will-user/password');
    const config = loadConfig(env, read);
    assert.deepEqual(
      [config.willUser, config.willPassword, config.defaultUser],
      ['will-publisher', 'will-pw', 'guest'],
    );
    const without = listener({ defaultUser: { secretName: 'u' } });
    const plain = loadConfig(processEnv(adapterEnv(without.spec, secretMounts(without.spec))), read);
    assert.deepEqual([plain.willUser, plain.willPassword], [undefined, undefined]);
  });

  it('turns TLS on with the mounted certificate paths', () => {
    const l = listener({ tls: { secretName: 't', clientCertificate: 'required', caSecretName: 'ca' } });
    const env = processEnv(adapterEnv(l.spec, secretMounts(l.spec)));
    assert.equal(env.MQTT_ADAPTER_TLS_CERT_FILE, '/etc/mqtt-adapter/tls/tls.crt');
    assert.equal(env.MQTT_ADAPTER_TLS_KEY_FILE, '/etc/mqtt-adapter/tls/tls.key');
    assert.equal(env.MQTT_ADAPTER_TLS_CA_FILE, '/etc/mqtt-adapter/tls-ca/ca.crt');
    assert.equal(env.MQTT_ADAPTER_TLS_CLIENT_CERT, 'required');
    assert.equal(env.MQTT_ADAPTER_TLS_PORT, '8883');
  });

  it('passes TLS versions, ciphers, certificate login and vhost maps as the adapter reads them', () => {
    const l = listener({
      vhostByPort: { '1883': 'plain-tenant', '8883': 'tls tenant,with comma' },
      rabbitmq: {
        secretName: 'rabbit',
        caSecretName: 'rabbit-ca',
        caKey: 'ca.pem',
        clientCertificateSecretName: 'rabbit-client',
      },
      tls: {
        secretName: 't',
        clientCertificate: 'required',
        caSecretName: 'ca',
        minVersion: 'TLSv1.3',
        maxVersion: 'TLSv1.3',
        ciphers: ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'],
        certificateLogin: {
          from: 'san',
          sanType: 'email',
          sanIndex: 1,
          secretName: 'login',
          vhostByCertificate: { 'dev@example.com': 'devices' },
        },
      },
    });
    const mounts = secretMounts(l.spec);
    assert.deepEqual(mounts.certLogin?.files.secret, {
      key: 'secret',
      path: '/etc/mqtt-adapter/cert-login/secret',
    });
    assert.deepEqual(mounts.rabbitmqCa?.files['ca.crt'], {
      key: 'ca.pem',
      path: '/etc/mqtt-adapter/rabbitmq-ca/ca.crt',
    });
    assert.deepEqual(mounts.rabbitmqClientCert?.files['tls.key'], {
      key: 'tls.key',
      path: '/etc/mqtt-adapter/rabbitmq-client-cert/tls.key',
    });
    const env = processEnv(adapterEnv(l.spec, mounts));
    assert.equal(env.MQTT_ADAPTER_AMQP_CA_FILE, '/etc/mqtt-adapter/rabbitmq-ca/ca.crt');
    assert.equal(env.MQTT_ADAPTER_AMQP_TLS_CERT_FILE, '/etc/mqtt-adapter/rabbitmq-client-cert/tls.crt');
    assert.equal(env.MQTT_ADAPTER_AMQP_TLS_KEY_FILE, '/etc/mqtt-adapter/rabbitmq-client-cert/tls.key');
    const config = loadConfig(env, read);
    assert.deepEqual(config.vhostByPort, { '1883': 'plain-tenant', '8883': 'tls tenant,with comma' });
    assert.deepEqual([config.tlsMinVersion, config.tlsMaxVersion], ['TLSv1.3', 'TLSv1.3']);
    assert.equal(config.tlsCiphers, 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256');
    assert.deepEqual(
      [config.tlsCertLogin, config.tlsCertLoginSanType, config.tlsCertLoginSanIndex],
      ['san', 'email', 1],
    );
    assert.equal(config.certLoginSecret, 'derive-from-me');
    assert.deepEqual(config.vhostByCertificate, { 'dev@example.com': 'devices' });
  });

  it('leaves the new TLS settings at the adapter defaults when the spec does not set them', () => {
    const l = listener({ tls: { secretName: 't' } });
    const env = processEnv(adapterEnv(l.spec, secretMounts(l.spec)));
    for (const s of [
      settings.tlsMinVersion,
      settings.tlsMaxVersion,
      settings.tlsCiphers,
      settings.tlsCertLogin,
      settings.vhostByPort,
      settings.amqpCaFile,
      settings.amqpTlsCertFile,
      settings.amqpTlsKeyFile,
    ])
      assert.equal(env[s.env], undefined, s.env);
  });

  it('keeps the memory store without spec.redis', () => {
    const l = listener({ replicas: 1 });
    const env = processEnv(adapterEnv(l.spec, secretMounts(l.spec)));
    assert.equal(env.MQTT_ADAPTER_STORE, 'memory');
    assert.equal(env.MQTT_ADAPTER_REDIS_URL_FILE, undefined);
  });
});
