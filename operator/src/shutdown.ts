import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { settledWithin } from '../../adapter/src/amqp/rpc-deadline';

/**
 * How long SIGTERM's shutdown may take. The chart's terminationGracePeriodSeconds
 * is 30; past it the kubelet kills the pod, and what was left undone (the
 * Lease's release above all) stays undone.
 */
export interface ShutdownBudget {
  /** The whole shutdown. */
  readonly totalMs: number;
  /** Of it, the wait for the workers' reconciles under way to end. */
  readonly controllerMs: number;
}

export const SHUTDOWN_BUDGET: ShutdownBudget = { totalMs: 20_000, controllerMs: 10_000 };

/** What a running operator stops. */
export interface Running {
  readonly controller: { stop(): Promise<void> } | undefined;
  readonly elector: { stop(withinMs: number): Promise<void> };
  readonly server: Server;
  readonly log: Logger;
}

/**
 * Stops the controller, then frees the Lease, then closes the HTTP server.
 * Each request to the API server lasts up to the REST client's 30 s when
 * nothing answers, and a reconcile makes a dozen: waited for without a
 * deadline, the shutdown ran minutes past the grace period. The remote steps
 * get their share of the budget and are then left running; the local ones
 * come after them regardless.
 */
export async function shutDown(r: Running, budget: ShutdownBudget = SHUTDOWN_BUDGET): Promise<void> {
  const deadline = Date.now() + budget.totalMs;
  const { controller } = r;
  if (controller && !(await settledWithin(controller.stop(), budget.controllerMs)))
    r.log.warn({ withinMs: budget.controllerMs }, 'reconciles under way did not end in time; left running');
  await r.elector.stop(Math.max(0, deadline - Date.now()));
  await closeServer(r.server);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // A scraper's kept-alive connection would hold the close open.
    server.closeAllConnections();
  });
}
