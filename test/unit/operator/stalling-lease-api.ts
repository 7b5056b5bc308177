import type { RestClient } from '../../../operator/src/kube/rest-client';
import type { Lease } from '../../../operator/src/leader/lease-decision';

/**
 * An API server holding one Lease that answers until told to stop, then
 * answers nothing (a request the REST client's 30 s would end). `requests`
 * counts what was asked of it, answered or not.
 */
export function stallingLeaseApi(): { rest: RestClient; stall: () => void; requests: () => number } {
  let lease: Lease | null = null;
  let stalled = false;
  let requests = 0;
  const answer = <T>(value: () => T): Promise<T> => {
    requests++;
    return stalled ? new Promise<T>(() => undefined) : Promise.resolve(value());
  };
  const rest = {
    getOrNull: () => answer(() => lease),
    get: () => answer(() => lease),
    create: (_path: string, body: Lease) => answer(() => (lease = body)),
    replace: (_path: string, body: Lease) => answer(() => (lease = body)),
  };
  return { rest: rest as unknown as RestClient, stall: () => (stalled = true), requests: () => requests };
}
