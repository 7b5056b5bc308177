import type { MqttListener } from '../../../operator/src/api/types.generated';
import type { SchemaProps } from '../../../operator/src/codegen/schema';
import { loadCrd } from '../../../operator/src/codegen/load-crd';
import { LIMIT_SETTINGS } from '../../../operator/src/spec/limits';

/** Applies schema defaults the way the API server does on read: absent fields with a default get it, recursively. */
export function applyDefaults(schema: SchemaProps, value: unknown): unknown {
  if (value === undefined) {
    if (schema.default === undefined) return undefined;
    value = structuredClone(schema.default);
  }
  if (schema.type === 'object' && schema.properties && typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    for (const [k, s] of Object.entries(schema.properties)) {
      const v = applyDefaults(s, obj[k]);
      if (v !== undefined) obj[k] = v;
    }
  }
  if (schema.type === 'array' && schema.items && Array.isArray(value)) {
    return value.map((v) => applyDefaults(schema.items!, v));
  }
  return value;
}

export const listenerSchema = (): SchemaProps => loadCrd().spec.versions[0].schema.openAPIV3Schema;

/** A listener as the API server would return it: the given spec with CRD defaults applied. */
export function listener(spec: Record<string, unknown> = {}, name = 'demo'): MqttListener {
  const raw = {
    apiVersion: 'mqtt.adapter.dev/v1alpha1',
    kind: 'MqttListener',
    metadata: { name, namespace: 'ns1', uid: 'uid-1', generation: 3 },
    spec: { rabbitmq: { secretName: 'rabbit' }, ...structuredClone(spec) },
  };
  return applyDefaults(listenerSchema(), raw) as MqttListener;
}

/** Listeners that between them make the operator write every adapter variable it can. */
export function everyVariableListeners(): MqttListener[] {
  return [
    listener({
      redis: { secretName: 'r', passwordKey: 'p', mode: 'sentinel', keyPrefix: 'x:' },
      defaultUser: { secretName: 'u' },
      willUser: { secretName: 'w' },
      vhostByPort: { '1883': 'a' },
      rabbitmq: {
        secretName: 'rabbit',
        caSecretName: 'rabbit-ca',
        clientCertificateSecretName: 'rabbit-client',
      },
      tls: {
        secretName: 't',
        clientCertificate: 'required',
        caSecretName: 'ca',
        minVersion: 'TLSv1.2',
        maxVersion: 'TLSv1.3',
        ciphers: ['HIGH'],
        certificateLogin: { from: 'san', secretName: 'login', vhostByCertificate: { d: 'a' } },
      },
      webSocket: { enabled: true },
      serverReference: 'mqtt.example.com:8883',
      limits: Object.fromEntries(Object.keys(LIMIT_SETTINGS).map((k) => [k, 1])),
      rebalance: {
        enabled: true,
        ratePerSecond: 1,
        tolerancePercent: 1,
        delaySeconds: 1,
        intervalSeconds: 1,
        maxRounds: 1,
      },
    }),
    listener({ rabbitmq: { urls: ['amqp://r:5672'] } }),
  ];
}

export const inputs = { defaultImage: 'mqtt-adapter:test', secretHash: 'abc123' };
