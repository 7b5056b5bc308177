import { encodeHistogram } from '../stats/histogram';
import { AmqpClient, AmqpConnections } from './amqp-clients';
import { Collector } from './collector';
import { MqttClient } from './mqtt-clients';
import type { ClientSpec, Command, Reply, SetupCommand, StepCommand } from './protocol';
import type { Closable, Receiver, Sender } from './roles';
import { Scheduler, type SendCounts } from './scheduler';

/**
 * A load-generator worker process, forked by the coordinator and driven over
 * IPC: connect the clients it is given, run load steps, report, tear down.
 */
type Client = Sender & Receiver & Closable;

const clients: { spec: ClientSpec; client: Client }[] = [];
const collector = new Collector();
let scheduler = new Scheduler([]);
let amqpConns: AmqpConnections | undefined;
let running: Promise<SendCounts> | undefined;
let closedConnections = 0;

function reply(r: Reply): void {
  process.send?.(r);
}

async function setup(cmd: SetupCommand): Promise<void> {
  const errors = new Map<string, number>();
  let failed = 0;
  let next = 0;
  if (cmd.target.protocol === 'amqp') amqpConns = new AmqpConnections(cmd.target);
  const openOne = async (spec: ClientSpec, i: number): Promise<void> => {
    try {
      const localAddress = cmd.localAddresses[i % cmd.localAddresses.length];
      const endpoint = { host: cmd.target.host, port: cmd.target.port, localAddress };
      const client: Client =
        cmd.target.protocol === 'mqtt'
          ? await MqttClient.open(spec, cmd.target, endpoint)
          : await AmqpClient.open(spec, amqpConns as AmqpConnections);
      clients.push({ spec, client });
    } catch (err) {
      failed++;
      const m = (err as Error).message;
      errors.set(m, (errors.get(m) ?? 0) + 1);
    }
  };
  const lane = async (): Promise<void> => {
    while (next < cmd.clients.length) {
      const i = next++;
      await openOne(cmd.clients[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, cmd.connectConcurrency) }, lane));
  const senders: Sender[] = [];
  for (const { spec, client } of clients) {
    if (spec.role === 'pub') senders.push(client);
    if (spec.role === 'sub') collector.attach(client);
  }
  scheduler = new Scheduler(senders);
  reply({
    type: 'ready',
    connected: clients.length,
    failed,
    errors: [...errors].map(([m, n]) => `${n}x ${m}`),
  });
}

function step(cmd: StepCommand): void {
  collector.begin(cmd.step);
  running = scheduler.run(cmd);
}

async function report(step: number): Promise<void> {
  const counts = await running;
  const totals = collector.totals();
  const closedNow = clients.filter((c) => c.client.closed).length;
  reply({
    type: 'report',
    step,
    sent: counts?.sent ?? 0,
    notSent: counts?.notSent ?? 0,
    received: totals.received,
    duplicates: totals.duplicates,
    latency: encodeHistogram(totals.latency),
    sendLag: counts ? encodeHistogram(counts.lag) : '',
    closedConnections: closedNow - closedConnections,
  });
  closedConnections = closedNow;
}

async function teardown(cleanSessions: boolean): Promise<void> {
  scheduler.stop();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < clients.length) await clients[next++].client.close(cleanSessions).catch(() => undefined);
  };
  await Promise.all(Array.from({ length: 50 }, lane));
  await amqpConns?.close();
  reply({ type: 'done' });
}

process.on('message', (cmd: Command) => {
  switch (cmd.type) {
    case 'setup':
      void setup(cmd);
      return;
    case 'step':
      step(cmd);
      return;
    case 'report':
      void report(cmd.step);
      return;
    case 'teardown':
      void teardown(cmd.cleanSessions).then(() => process.exit(0));
      return;
  }
});
process.on('disconnect', () => process.exit(0));
