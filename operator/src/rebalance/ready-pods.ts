import type { V1Pod } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

/** A pod that can be asked, at the address its http (metrics) port listens on. */
export interface Target {
  readonly pod: string;
  readonly host: string;
  readonly port: number;
}

/**
 * The pods to ask, in name order: Ready (so the adapter reaches RabbitMQ and
 * Redis and serves its http port), not on their way out (a draining pod
 * withdraws from the rebalance), and with an address. The port is the pod's
 * own `metrics` port, which during a rollout that changes spec.metrics.port
 * is not the spec's; `specPort` only stands in for a pod without a named one.
 */
export function readyPods(pods: readonly V1Pod[], specPort: number): Target[] {
  return pods
    .filter(
      (p) =>
        !p.metadata?.deletionTimestamp &&
        Boolean(p.status?.podIP) &&
        (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    )
    .map((p) => ({
      pod: p.metadata?.name ?? '',
      host: p.status?.podIP ?? '',
      port: metricsPortOf(p) ?? specPort,
    }))
    .sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0));
}

function metricsPortOf(p: V1Pod): number | undefined {
  for (const c of p.spec?.containers ?? [])
    for (const port of c.ports ?? []) if (port.name === 'metrics') return port.containerPort;
  return undefined;
}
