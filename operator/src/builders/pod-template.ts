import type {
  V1Container,
  V1PodSecurityContext,
  V1PodTemplateSpec,
  V1Probe,
  V1ResourceRequirements,
} from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { SECRET_HASH_ANNOTATION } from '../api/names';
import type { MqttListener, MqttListenerSpecResources } from '../api/types.generated';
import { adapterEnv } from './adapter-env';
import { resolveImage } from './image';
import { podSecurityContext } from './pod-security';
import {
  appendByKey,
  containerSecurityContext,
  podAnnotations,
  podLabels,
  podOverride,
  podSpecOverride,
  sidecars,
} from './pod-override';
import { commonLabels } from './labels';
import { listenerRef } from './owner';
import { clientPorts, metricsPort } from './ports';
import { secretMounts, secretVolumeMounts, secretVolumes } from './secret-mounts';

/** What the pod template needs besides the spec: decided by the operator, not the user. */
export interface PodInputs {
  /** The image reference whose parts fill those spec.image leaves out (MQTT_ADAPTER_OPERATOR_ADAPTER_IMAGE). */
  readonly defaultImage: string;
  /** Hash of the data of every referenced Secret; a change rolls the pods. */
  readonly secretHash: string;
  /** The operator's default for listeners without spec.podSecurityContext; unset: a fixed uid. */
  readonly podSecurityContext?: V1PodSecurityContext;
}

/** Lets endpoints controllers and load balancers stop sending new clients before the drain starts. */
export const PRE_STOP_SLEEP_SECONDS = 5;
/** Slack after the adapter's own drain bound for the process to exit before SIGKILL. */
const GRACE_MARGIN_SECONDS = 10;

export const terminationGraceSeconds = (drainTimeoutSeconds: number): number =>
  PRE_STOP_SLEEP_SECONDS + drainTimeoutSeconds + GRACE_MARGIN_SECONDS;

const httpProbe = (path: string, period: number, failures: number): V1Probe => ({
  httpGet: { path, port: 'metrics' },
  periodSeconds: period,
  timeoutSeconds: 2,
  failureThreshold: failures,
});

export function podTemplate(l: MqttListener, inputs: PodInputs): V1PodTemplateSpec {
  const { spec } = l;
  const mounts = secretMounts(spec);
  const metrics = metricsPort(spec);
  return {
    metadata: {
      labels: podLabels(spec, commonLabels(listenerRef(l).name)),
      annotations: podAnnotations(
        spec,
        {
          'prometheus.io/scrape': 'true',
          'prometheus.io/port': String(metrics.port),
          'prometheus.io/path': '/metrics',
        },
        { [SECRET_HASH_ANNOTATION]: inputs.secretHash },
      ),
    },
    spec: {
      ...podSpecOverride(spec),
      enableServiceLinks: false,
      terminationGracePeriodSeconds: terminationGraceSeconds(spec.drainTimeoutSeconds),
      securityContext: podSecurityContext(spec.podSecurityContext ?? inputs.podSecurityContext),
      containers: appendByKey([adapterContainer(l, inputs)], sidecars(spec), byName),
      volumes: appendByKey(
        [{ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }, ...secretVolumes(mounts)],
        podOverride(spec).volumes,
        byName,
      ),
      ...(spec.nodeSelector && { nodeSelector: spec.nodeSelector }),
      ...(spec.tolerations && { tolerations: spec.tolerations }),
      ...(spec.affinity && { affinity: spec.affinity }),
      ...(spec.topologySpreadConstraints && { topologySpreadConstraints: spec.topologySpreadConstraints }),
    },
  };
}

function adapterContainer(l: MqttListener, inputs: PodInputs): V1Container {
  const { spec } = l;
  const mounts = secretMounts(spec);
  return {
    name: 'adapter',
    image: resolveImage(spec.image, inputs.defaultImage),
    imagePullPolicy: spec.imagePullPolicy,
    // command, not args: the pod must not depend on the image's ENTRYPOINT.
    command: ['node', 'build/adapter/src/main.js'],
    ports: [...clientPorts(spec), metricsPort(spec)].map((p) => ({
      name: p.name,
      containerPort: p.port,
      protocol: 'TCP',
    })),
    env: appendByKey(adapterEnv(spec, mounts), podOverride(spec).env, byName),
    ...(podOverride(spec).envFrom && { envFrom: podOverride(spec).envFrom }),
    ...(spec.resources && { resources: quantities(spec.resources) }),
    readinessProbe: httpProbe('/readyz', 5, 2),
    livenessProbe: { ...httpProbe('/healthz', 10, 3), initialDelaySeconds: 5 },
    lifecycle: { preStop: { sleep: { seconds: PRE_STOP_SLEEP_SECONDS } } },
    securityContext: containerSecurityContext(spec),
    volumeMounts: appendByKey(
      [{ name: 'tmp', mountPath: '/tmp' }, ...secretVolumeMounts(mounts)],
      podOverride(spec).volumeMounts,
      (m) => m.mountPath,
    ),
  };
}

const byName = (x: { name: string }): string => x.name;

/** The CRD accepts `cpu: 1` as a number, as the core API does; the client type wants strings. */
function quantities(r: MqttListenerSpecResources): V1ResourceRequirements {
  const str = (m?: Record<string, number | string>): Record<string, string> | undefined =>
    m && Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)]));
  const out: V1ResourceRequirements = {};
  const limits = str(r.limits);
  const requests = str(r.requests);
  if (limits) out.limits = limits;
  if (requests) out.requests = requests;
  return out;
}
