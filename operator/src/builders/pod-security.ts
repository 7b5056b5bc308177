import type { V1PodSecurityContext } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

/** The uid and gid the adapter runs as unless told otherwise; any non-root uid would do. */
export const RUN_AS = 65532;
const FIXED_IDS: V1PodSecurityContext = { runAsUser: RUN_AS, runAsGroup: RUN_AS, fsGroup: RUN_AS };

/**
 * The pod security context: the restricted profile's runAsNonRoot and
 * RuntimeDefault seccomp always, then the ids asked for (a listener's
 * spec.podSecurityContext, else the operator's default), else a fixed uid.
 * Asking for {} leaves the uid to the platform (OpenShift assigns one from the
 * namespace's range); what is asked for wins over the restricted pair too.
 */
export function podSecurityContext(asked: V1PodSecurityContext | undefined): V1PodSecurityContext {
  return { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, ...(asked ?? FIXED_IDS) };
}
