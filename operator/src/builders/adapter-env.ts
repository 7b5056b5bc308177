import type { V1EnvVar } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { settings, type Setting } from '../../../adapter/src/config/settings';
import type { MqttListenerSpec } from '../api/types.generated';
import { setLimits } from '../spec/limits';
import { setRebalance } from '../spec/rebalance';
import { clientPorts, DEFAULT_TLS_PORT } from './ports';
import type { SecretMounts } from './secret-mounts';

const value = (name: string, v: string | number | boolean): V1EnvVar => ({ name, value: String(v) });
/** Secret-bearing settings are passed as `<ENV>_FILE`, so no secret ever sits in the pod spec. */
const file = (name: string, path: string): V1EnvVar => ({ name: `${name}_FILE`, value: path });

/**
 * The adapter's configuration for this spec, in the adapter's own schema
 * (adapter/src/config/settings.ts): the contract between operator and pods.
 */
export function adapterEnv(spec: MqttListenerSpec, mounts: SecretMounts): V1EnvVar[] {
  return [
    { name: settings.podName.env, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    value(settings.mqttPort.env, spec.mqtt.port),
    value(settings.httpPort.env, spec.metrics.port),
    ...rabbitmqEnv(spec, mounts),
    value(settings.exchange.env, spec.exchange),
    value(settings.amqpWildcards.env, spec.amqpWildcards),
    value(settings.vhost.env, spec.vhost),
    ...vhostByPortEnv(spec),
    value(settings.queueType.env, spec.queueType),
    value(settings.logLevel.env, spec.logLevel),
    value(settings.drainTimeoutMs.env, spec.drainTimeoutSeconds * 1000),
    ...(spec.serverReference ? [value(settings.serverReference.env, spec.serverReference)] : []),
    ...setRebalance(spec.rebalance).map((r) => value(r.setting.env, r.value)),
    value(settings.proxyProtocol.env, spec.proxyProtocol),
    ...tlsEnv(spec, mounts),
    ...webSocketEnv(spec),
    ...storeEnv(spec, mounts),
    ...limitsEnv(spec),
    ...userEnv(settings.defaultUser, settings.defaultPassword, mounts.defaultUser),
    ...userEnv(settings.willUser, settings.willPassword, mounts.willUser),
  ];
}

/** A user's login, the name too as a file: it sits in the Secret beside the password. */
function userEnv(user: Setting, password: Setting, mount: SecretMounts['defaultUser']): V1EnvVar[] {
  return mount
    ? [file(user.env, mount.files.username.path), file(password.env, mount.files.password.path)]
    : [];
}

/** The nodes listed in the spec go in as they are (they carry no credentials); a Secret's URI as a file. */
function rabbitmqEnv(spec: MqttListenerSpec, mounts: SecretMounts): V1EnvVar[] {
  const urls = mounts.rabbitmq
    ? file(settings.amqpUrls.env, mounts.rabbitmq.files.uri.path)
    : value(settings.amqpUrls.env, (spec.rabbitmq.urls ?? []).join(','));
  return [urls, ...amqpTlsEnv(mounts)];
}

function amqpTlsEnv({ rabbitmqCa: ca, rabbitmqClientCert: client }: SecretMounts): V1EnvVar[] {
  return [
    ...(ca ? [value(settings.amqpCaFile.env, ca.files['ca.crt'].path)] : []),
    ...(client
      ? [
          value(settings.amqpTlsCertFile.env, client.files['tls.crt'].path),
          value(settings.amqpTlsKeyFile.env, client.files['tls.key'].path),
        ]
      : []),
  ];
}

/** Maps go in as JSON, which holds any vhost name; an empty map is left out. */
const mapValue = (name: string, map: Readonly<Record<string, string>> | undefined): V1EnvVar[] =>
  map && Object.keys(map).length > 0 ? [value(name, JSON.stringify(map))] : [];

function vhostByPortEnv(spec: MqttListenerSpec): V1EnvVar[] {
  return mapValue(settings.vhostByPort.env, spec.vhostByPort);
}

function tlsEnv(spec: MqttListenerSpec, mounts: SecretMounts): V1EnvVar[] {
  if (!mounts.tls || !spec.tls) return [];
  const env = [
    value(settings.tlsPort.env, spec.tls.port ?? DEFAULT_TLS_PORT),
    value(settings.tlsCertFile.env, mounts.tls.files['tls.crt'].path),
    value(settings.tlsKeyFile.env, mounts.tls.files['tls.key'].path),
    value(settings.tlsClientCert.env, spec.tls.clientCertificate),
  ];
  if (mounts.tlsCa) env.push(value(settings.tlsCaFile.env, mounts.tlsCa.files['ca.crt'].path));
  const { minVersion, maxVersion, ciphers } = spec.tls;
  if (minVersion) env.push(value(settings.tlsMinVersion.env, minVersion));
  if (maxVersion) env.push(value(settings.tlsMaxVersion.env, maxVersion));
  if (ciphers) env.push(value(settings.tlsCiphers.env, ciphers.join(':')));
  return [...env, ...certLoginEnv(spec, mounts)];
}

function certLoginEnv(spec: MqttListenerSpec, mounts: SecretMounts): V1EnvVar[] {
  const login = spec.tls?.certificateLogin;
  if (!login || !mounts.certLogin) return [];
  return [
    value(settings.tlsCertLogin.env, login.from),
    ...(login.from === 'san'
      ? [
          value(settings.tlsCertLoginSanType.env, login.sanType),
          value(settings.tlsCertLoginSanIndex.env, login.sanIndex),
        ]
      : []),
    file(settings.certLoginSecret.env, mounts.certLogin.files.secret.path),
    ...mapValue(settings.vhostByCertificate.env, login.vhostByCertificate),
  ];
}

function webSocketEnv(spec: MqttListenerSpec): V1EnvVar[] {
  if (!clientPorts(spec).some((p) => p.name === 'ws')) return [value(settings.wsEnabled.env, false)];
  return [
    value(settings.wsEnabled.env, true),
    value(settings.wsPort.env, spec.webSocket.port),
    value(settings.wsPath.env, spec.webSocket.path),
  ];
}

function storeEnv(spec: MqttListenerSpec, mounts: SecretMounts): V1EnvVar[] {
  const { redis } = spec;
  if (!redis || !mounts.redis) return [value(settings.store.env, 'memory')];
  const env = [
    value(settings.store.env, 'redis'),
    value(settings.redisMode.env, redis.mode),
    file(settings.redisUrl.env, mounts.redis.files.url.path),
  ];
  if (redis.mode === 'sentinel') env.push(value(settings.redisSentinelName.env, redis.sentinelName));
  if (mounts.redis.files.password)
    env.push(file(settings.redisPassword.env, mounts.redis.files.password.path));
  if (redis.keyPrefix !== undefined) env.push(value(settings.redisKeyPrefix.env, redis.keyPrefix));
  return env;
}

function limitsEnv(spec: MqttListenerSpec): V1EnvVar[] {
  return setLimits(spec.limits).map(({ setting, value: v }) => value(setting.env, v));
}
