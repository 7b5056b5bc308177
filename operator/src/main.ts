import pino from 'pino';
import { parseArgs } from '../../adapter/src/cli/args';
import { buildInfo } from '../../adapter/src/cli/build-info';
import { versionLine } from '../../adapter/src/cli/help';
import { loadOperatorConfig, operatorSettings } from './config';
import { Controller } from './controller/controller';
import { EventRecorder } from './controller/events';
import { Reconciler } from './controller/reconciler';
import { boundPort, startHttpServer } from './http-server';
import { loadKubeConfig } from './kube/kube-config';
import { RestClient } from './kube/rest-client';
import { LeaderElector } from './leader/elector';
import { OperatorMetrics } from './metrics';
import { shutDown } from './shutdown';
import { ConditionSeries } from './status/condition-series';

/**
 * The operator process: campaigns for the leader Lease and reconciles
 * MqttListeners only while leading. SIGTERM stops the controller and frees the
 * Lease, so a standby replica takes over without waiting for it to expire, all
 * within the shutdown budget.
 */
function operatorHelp(): string {
  return [
    versionLine('mqtt-adapter-operator', buildInfo()).trimEnd(),
    '',
    'Usage: node build/operator/src/main.js [--help | --version]',
    '',
    'Reconciles MqttListener resources into Deployments, Services and the objects',
    'around them, using the kubeconfig it finds (in a pod, its service account).',
    'Every setting is an environment variable (the Helm chart sets them):',
    ...operatorSettings().map((s) => `  ${s.env}  (default ${s.default})`),
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const command = parseArgs(process.argv.slice(2));
  if (command.kind === 'error') {
    process.stderr.write(`mqtt-adapter-operator: ${command.message}\n`);
    process.exit(2);
  }
  if (command.kind === 'help') process.stdout.write(operatorHelp());
  if (command.kind === 'version') process.stdout.write(versionLine('mqtt-adapter-operator', buildInfo()));
  if (command.kind !== 'run') return;
  const config = loadOperatorConfig();
  const build = buildInfo();
  const log = pino({
    level: config.logLevel,
    base: { component: 'mqtt-adapter-operator', identity: config.identity },
  });
  const { kc, tokenFile } = await loadKubeConfig();
  const rest = RestClient.fromKubeConfig(kc, tokenFile);
  const metrics = new OperatorMetrics(build);
  const conditionSeries = new ConditionSeries(metrics.listenerConditions);
  const events = new EventRecorder(rest, 'mqtt-adapter-operator', log);
  const reconciler = new Reconciler({
    rest,
    events,
    log,
    defaultImage: config.adapterImage,
    podSecurityContext: config.adapterPodSecurityContext,
    onConditions: (namespace, name, conditions) =>
      conditions ? conditionSeries.set(namespace, name, conditions) : conditionSeries.forget(namespace, name),
  });
  let controller: Controller | undefined;
  let controllerStarted = false;

  const elector = new LeaderElector(
    rest,
    {
      namespace: config.namespace,
      name: config.leaseName,
      identity: config.identity,
      leaseDurationSeconds: config.leaseDurationSeconds,
      renewDeadlineMs: config.renewDeadlineMs,
      retryPeriodMs: config.retryPeriodMs,
    },
    log,
    {
      onStartedLeading: () => {
        metrics.leader.set(1);
        controller = new Controller({ kc, rest, log, tokenFile }, reconciler, metrics, {
          namespaces: config.watchNamespaces,
        });
        controller
          .start()
          .then(() => {
            controllerStarted = true;
          })
          .catch((err: unknown) => {
            log.fatal({ err: String(err) }, 'controller failed to start');
            process.exit(1);
          });
      },
      onStoppedLeading: () => {
        // Another replica may already be reconciling: stop at once, and let the restart campaign again.
        metrics.leader.set(0);
        log.error('leadership lost; exiting');
        process.exit(1);
      },
    },
  );

  // Ready: a standby is ready to take over; a leader once its informers have synced.
  const server = await startHttpServer(
    config.httpPort,
    metrics.registry,
    () => !elector.isLeader || controllerStarted,
  );
  log.info(
    {
      port: boundPort(server),
      lease: `${config.namespace}/${config.leaseName}`,
      version: build.version,
      commit: build.commit,
    },
    'operator started',
  );
  elector.start();

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    void shutDown({ controller, elector, server, log }).then(() => {
      metrics.leader.set(0);
      log.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
