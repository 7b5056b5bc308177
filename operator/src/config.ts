import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { V1PodSecurityContext } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { z } from 'zod';
import { buildInfo } from '../../adapter/src/cli/build-info';
import { parseImageReference } from './builders/image';

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function podNamespace(): string {
  try {
    return readFileSync(SA_NAMESPACE_FILE, 'utf8').trim();
  } catch {
    return 'default';
  }
}

/** The image of this release, as `make image` names it; a build without a version says latest. */
const releaseImage = (): string => {
  const { version } = buildInfo();
  return `mqtt-adapter:${version === 'unknown' ? 'latest' : version}`;
};

const imageReference = z.string().superRefine((ref, ctx) => {
  try {
    parseImageReference(ref);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/** A JSON object, as the chart writes a pod security context into the environment. */
const jsonObject = z
  .string()
  .transform((text, ctx) => {
    try {
      const v: unknown = JSON.parse(text);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // Reported below, as for any value that is not an object.
    }
    ctx.addIssue({ code: 'custom', message: `not a JSON object: ${text}` });
    return z.NEVER;
  })
  .optional();

/** Comma-separated namespace names; empty for every namespace. */
const namespaceList = z
  .string()
  .default('')
  .transform((text) =>
    text
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z
        .string()
        .max(63)
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'not a namespace name'),
    ),
  );

const int = (def: number): z.ZodType<number> => z.coerce.number().int().min(0).default(def);

/** The operator's settings, from MQTT_ADAPTER_OPERATOR_* environment variables (set by the chart). */
const schema = z.object({
  MQTT_ADAPTER_OPERATOR_HTTP_PORT: int(8080),
  MQTT_ADAPTER_OPERATOR_NAMESPACE: z.string().min(1).optional(),
  MQTT_ADAPTER_OPERATOR_IDENTITY: z.string().min(1).optional(),
  MQTT_ADAPTER_OPERATOR_LEASE_NAME: z.string().min(1).default('mqtt-adapter-operator'),
  MQTT_ADAPTER_OPERATOR_LEASE_DURATION_SECONDS: int(15),
  MQTT_ADAPTER_OPERATOR_RENEW_DEADLINE_MS: int(10_000),
  MQTT_ADAPTER_OPERATOR_RETRY_PERIOD_MS: int(2_000),
  MQTT_ADAPTER_OPERATOR_ADAPTER_IMAGE: imageReference.default(releaseImage()),
  MQTT_ADAPTER_OPERATOR_ADAPTER_POD_SECURITY_CONTEXT: jsonObject,
  MQTT_ADAPTER_OPERATOR_WATCH_NAMESPACES: namespaceList,
  MQTT_ADAPTER_OPERATOR_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
    .default('info'),
});

/** Every setting and its default as --help lists it. */
export function operatorSettings(): { env: string; default: string }[] {
  return Object.entries(schema.shape).map(([env, s]) => {
    const r = s.safeParse(undefined);
    if (!r.success || r.data === undefined) return { env, default: '(unset)' };
    return { env, default: typeof r.data === 'object' ? JSON.stringify(r.data) : String(r.data) };
  });
}

export interface OperatorConfig {
  readonly httpPort: number;
  readonly namespace: string;
  readonly identity: string;
  readonly leaseName: string;
  readonly leaseDurationSeconds: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly adapterImage: string;
  /** Pod security context of adapter pods whose listener sets none; unset: a fixed uid. */
  readonly adapterPodSecurityContext?: V1PodSecurityContext;
  /** The namespaces whose listeners are reconciled; empty for all of them. */
  readonly watchNamespaces: readonly string[];
  readonly logLevel: string;
}

export function loadOperatorConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid operator configuration:\n  ${lines.join('\n  ')}`);
  }
  const c = parsed.data;
  return {
    httpPort: c.MQTT_ADAPTER_OPERATOR_HTTP_PORT,
    namespace: c.MQTT_ADAPTER_OPERATOR_NAMESPACE ?? podNamespace(),
    identity: c.MQTT_ADAPTER_OPERATOR_IDENTITY ?? `${hostname()}-${process.pid}`,
    leaseName: c.MQTT_ADAPTER_OPERATOR_LEASE_NAME,
    leaseDurationSeconds: c.MQTT_ADAPTER_OPERATOR_LEASE_DURATION_SECONDS,
    renewDeadlineMs: c.MQTT_ADAPTER_OPERATOR_RENEW_DEADLINE_MS,
    retryPeriodMs: c.MQTT_ADAPTER_OPERATOR_RETRY_PERIOD_MS,
    adapterImage: c.MQTT_ADAPTER_OPERATOR_ADAPTER_IMAGE,
    logLevel: c.MQTT_ADAPTER_OPERATOR_LOG_LEVEL,
    watchNamespaces: [...new Set(c.MQTT_ADAPTER_OPERATOR_WATCH_NAMESPACES)],
    ...(c.MQTT_ADAPTER_OPERATOR_ADAPTER_POD_SECURITY_CONTEXT && {
      adapterPodSecurityContext: c.MQTT_ADAPTER_OPERATOR_ADAPTER_POD_SECURITY_CONTEXT,
    }),
  };
}
