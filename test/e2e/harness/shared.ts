import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { FIELD_MANAGER } from '../../../operator/src/api/names';
import { CRD_PATH, repoRoot } from '../../../operator/src/codegen/load-crd';
import type { RestClient } from '../../../operator/src/kube/rest-client';
import { ControlPlane, operatorIdentity } from './control-plane';
import { eventually } from './wait';

/** The operator ServiceAccount the chart creates (release namespace, default values). */
export const CHART_NAMESPACE = 'mqtt-adapter-system';
export const OPERATOR_SA = 'mqtt-adapter-operator';
export const OPERATOR_USER = operatorIdentity(CHART_NAMESPACE, OPERATOR_SA).user;

/** Long enough for a first, uncached build of the Go tools on 2 cores. */
export const SETUP_TIMEOUT_MS = 45 * 60_000;

let shared: Promise<ControlPlane> | undefined;

interface Crd {
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string }[] };
}

export async function applyCrd(rest: RestClient): Promise<void> {
  const crd = load(readFileSync(join(repoRoot(), CRD_PATH), 'utf8')) as Crd;
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`;
  await rest.apply(path, crd, FIELD_MANAGER);
  await eventually('the CRD to be established', async () => {
    const c = await rest.get<Crd>(path);
    return c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True');
  });
}

/**
 * One control plane for the whole e2e run (started by the first suite that
 * needs it, stopped by the root hook in root-hooks.test.ts). Suites isolate
 * themselves by namespace.
 */
export function sharedControlPlane(): Promise<ControlPlane> {
  shared ??= (async () => {
    const cp = await ControlPlane.start([operatorIdentity(CHART_NAMESPACE, OPERATOR_SA)]);
    try {
      await applyCrd(cp.admin);
      cp.startControllers();
      return cp;
    } catch (err) {
      await cp.stop();
      throw err;
    }
  })();
  return shared;
}

export async function stopSharedControlPlane(): Promise<void> {
  const cp = await shared?.catch(() => undefined);
  shared = undefined;
  await cp?.stop();
}
