import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { settledWithin } from '../../../adapter/src/amqp/rpc-deadline';
import { repoRoot } from '../../../operator/src/codegen/load-crd';
import { boundPort, startHttpServer } from '../../../operator/src/http-server';
import { LeaderElector } from '../../../operator/src/leader/elector';
import { SHUTDOWN_BUDGET, shutDown } from '../../../operator/src/shutdown';
import { stallingLeaseApi } from './stalling-lease-api';

const RETRY_PERIOD_MS = 20;
const SLACK_MS = 100;
const log = pino({ level: 'silent' });

async function leader(): Promise<{ elector: LeaderElector; api: ReturnType<typeof stallingLeaseApi> }> {
  const api = stallingLeaseApi();
  const elector = new LeaderElector(
    api.rest,
    {
      namespace: 'ns',
      name: 'lease',
      identity: 'me',
      leaseDurationSeconds: 15,
      renewDeadlineMs: 10_000,
      retryPeriodMs: RETRY_PERIOD_MS,
    },
    log,
    { onStartedLeading: () => undefined, onStoppedLeading: () => undefined },
  );
  elector.start();
  while (!elector.isLeader) await new Promise((r) => setTimeout(r, 5));
  return { elector, api };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A kept-alive connection to the server, as a Prometheus scraping it holds; `closed` resolves once it ends. */
async function keptAlive(port: number): Promise<{ closed: Promise<void> }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const socket = await new Promise<Socket>((resolve, reject) => {
    const req = request({ port, path: '/healthz', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(req.socket!));
    });
    req.on('error', reject);
    req.end();
  });
  return { closed: new Promise((resolve) => socket.once('close', () => resolve())) };
}

/*
 * SIGTERM's shutdown must end inside the pod's grace period, or the kubelet
 * kills the pod halfway. Against an API server that answers nothing, each of
 * its requests lasted the REST client's 30 s: the Lease's release two of
 * them, a reconcile under way a dozen, all waited for.
 */
describe('operator shutdown: an API server that does not answer', () => {
  it("gives up a leader's Lease release at its deadline and campaigns no more", async () => {
    const { elector, api } = await leader();
    api.stall();
    const started = Date.now();
    const stopped = await settledWithin(elector.stop(100), 1000);
    const took = Date.now() - started;
    assert.ok(stopped, 'stop did not end within 1 s');
    assert.ok(took <= 100 + SLACK_MS, `stop took ${took} ms`);
    assert.equal(elector.isLeader, false);
    const asked = api.requests();
    await sleep(5 * RETRY_PERIOD_MS);
    assert.equal(api.requests(), asked, 'asked the API server again after stopping');
  });

  it('ends within its budget and still closes the HTTP server and its connections', async () => {
    const { elector, api } = await leader();
    const server = await startHttpServer(0, new Registry(), () => true);
    const connection = await keptAlive(boundPort(server));
    api.stall();
    // A worker's reconcile waiting on a request that is never answered.
    const controller = { stop: () => new Promise<void>(() => undefined) };
    const budget = { totalMs: 300, controllerMs: 150 };
    const started = Date.now();
    const done = await settledWithin(shutDown({ controller, elector, server, log }, budget), 1000);
    const took = Date.now() - started;
    assert.ok(done, 'shutdown did not end within 1 s');
    assert.ok(took <= budget.totalMs + SLACK_MS, `shutdown took ${took} ms`);
    assert.ok(took >= budget.totalMs - 10, `gave the Lease release only ${took} ms of the budget`);
    assert.equal(server.listening, false);
    assert.ok(await settledWithin(connection.closed, 100), 'kept-alive connection left open');
    const asked = api.requests();
    await sleep(5 * RETRY_PERIOD_MS);
    assert.equal(api.requests(), asked, 'asked the API server again after stopping');
  });
});

describe('operator shutdown: budget', () => {
  it("ends well inside the chart's grace period", () => {
    const chart = readFileSync(join(repoRoot(), 'charts/mqtt-adapter/templates/deployment.yaml'), 'utf8');
    const grace = /terminationGracePeriodSeconds: (\d+)/.exec(chart);
    assert.ok(grace, 'the chart sets no terminationGracePeriodSeconds');
    // Room for the process to exit and its last log lines to be read before the kubelet kills it.
    assert.ok(
      SHUTDOWN_BUDGET.totalMs <= Number(grace[1]) * 1000 - 5000,
      `budget ${SHUTDOWN_BUDGET.totalMs} ms`,
    );
    assert.ok(SHUTDOWN_BUDGET.controllerMs < SHUTDOWN_BUDGET.totalMs, 'nothing left for the Lease release');
  });
});
