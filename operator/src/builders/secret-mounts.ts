import type { V1Volume, V1VolumeMount } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import type { MqttListenerSpec } from '../api/types.generated';

/** Every Secret the pods read is mounted read-only under this folder. */
export const SECRETS_ROOT = '/etc/mqtt-adapter';

export interface SecretFile {
  /** Key in the Secret. */
  readonly key: string;
  /** Absolute path of the file in the container. */
  readonly path: string;
}

/** One Secret volume: the files the adapter reads from it by role (R always, O when configured). */
export interface SecretMount<R extends string = string, O extends string = never> {
  readonly volume: string;
  readonly secretName: string;
  readonly mountPath: string;
  readonly files: Readonly<Record<R, SecretFile>> & Readonly<Partial<Record<O, SecretFile>>>;
}

function mount<R extends string, O extends string = never>(
  volume: string,
  secretName: string,
  keys: Record<R, string> & Partial<Record<O, string>>,
): SecretMount<R, O> {
  const mountPath = `${SECRETS_ROOT}/${volume}`;
  // Files are named by role, not by key, so the adapter's paths do not depend on the user's key names.
  const files = Object.fromEntries(
    Object.entries<string | undefined>(keys)
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([role, key]) => [role, { key, path: `${mountPath}/${role}` }]),
  ) as SecretMount<R, O>['files'];
  return { volume, secretName, mountPath, files };
}

/** The Secret mounts a spec needs, by purpose. Absent purposes are absent keys. */
export interface SecretMounts {
  /** Absent when spec.rabbitmq lists the nodes itself (urls). */
  readonly rabbitmq?: SecretMount<'uri'>;
  readonly redis?: SecretMount<'url', 'password'>;
  readonly defaultUser?: SecretMount<'username' | 'password'>;
  /** The user that publishes the wills of a pod that died, in place of the default user. */
  readonly willUser?: SecretMount<'username' | 'password'>;
  readonly tls?: SecretMount<'tls.crt' | 'tls.key'>;
  readonly tlsCa?: SecretMount<'ca.crt'>;
  /** The secret certificate-login passwords are derived from. */
  readonly certLogin?: SecretMount<'secret'>;
  /** The CA bundle that verifies RabbitMQ on amqps://. */
  readonly rabbitmqCa?: SecretMount<'ca.crt'>;
  /** The client certificate and key the adapter presents to RabbitMQ on amqps://. */
  readonly rabbitmqClientCert?: SecretMount<'tls.crt' | 'tls.key'>;
}

/** A user's Secret holds its login under fixed keys, so the spec names only the Secret. */
const USER_KEYS = { username: 'username', password: 'password' };

export function secretMounts(spec: MqttListenerSpec): SecretMounts {
  const { redis, defaultUser, willUser, tls, rabbitmq } = spec;
  return {
    ...(rabbitmq.secretName && {
      rabbitmq: mount('rabbitmq', rabbitmq.secretName, { uri: rabbitmq.uriKey }),
    }),
    ...(redis && {
      redis: mount<'url', 'password'>('redis', redis.secretName, {
        url: redis.urlKey,
        password: redis.passwordKey,
      }),
    }),
    ...(defaultUser && { defaultUser: mount('default-user', defaultUser.secretName, USER_KEYS) }),
    ...(willUser && { willUser: mount('will-user', willUser.secretName, USER_KEYS) }),
    ...(tls?.secretName && {
      tls: mount('tls', tls.secretName, { 'tls.crt': 'tls.crt', 'tls.key': 'tls.key' }),
    }),
    ...(tls?.secretName &&
      tls.caSecretName && { tlsCa: mount('tls-ca', tls.caSecretName, { 'ca.crt': 'ca.crt' }) }),
    ...(tls?.secretName &&
      tls.certificateLogin && {
        certLogin: mount('cert-login', tls.certificateLogin.secretName, {
          secret: tls.certificateLogin.secretKey,
        }),
      }),
    ...(rabbitmq.caSecretName && {
      rabbitmqCa: mount('rabbitmq-ca', rabbitmq.caSecretName, { 'ca.crt': rabbitmq.caKey }),
    }),
    ...(rabbitmq.clientCertificateSecretName && {
      rabbitmqClientCert: mount('rabbitmq-client-cert', rabbitmq.clientCertificateSecretName, {
        'tls.crt': 'tls.crt',
        'tls.key': 'tls.key',
      }),
    }),
  };
}

type AnyMount = SecretMount<string, string>;

export const mountList = (m: SecretMounts): AnyMount[] =>
  [
    m.rabbitmq,
    m.redis,
    m.defaultUser,
    m.willUser,
    m.tls,
    m.tlsCa,
    m.certLogin,
    m.rabbitmqCa,
    m.rabbitmqClientCert,
  ].filter((x): x is AnyMount => x !== undefined);

/** Names of every Secret the pods mount: the operator watches them and hashes their data. */
export const referencedSecretNames = (spec: MqttListenerSpec): string[] => [
  ...new Set(mountList(secretMounts(spec)).map((x) => x.secretName)),
];

export function secretVolumes(m: SecretMounts): V1Volume[] {
  return mountList(m).map((x) => ({
    name: x.volume,
    secret: {
      secretName: x.secretName,
      defaultMode: 0o440,
      items: Object.values<SecretFile | undefined>(x.files)
        .filter((f): f is SecretFile => f !== undefined)
        .map((f) => ({ key: f.key, path: f.path.slice(x.mountPath.length + 1) })),
    },
  }));
}

export function secretVolumeMounts(m: SecretMounts): V1VolumeMount[] {
  return mountList(m).map((x) => ({ name: x.volume, mountPath: x.mountPath, readOnly: true }));
}
