import { uniqueId } from '../helpers/adapter';
import { addVhost, amqpUrl, deleteVhost, findQueue, listQueues, type QueueInfo } from '../helpers/rabbit';

/**
 * The virtual host these tests run in, made for this run and deleted after it
 * with every queue and binding in it. The broker is shared: in `/` other
 * suites and benchmarks leave thousands of queues, which makes
 * `rabbitmqctl list_queues` take tens of seconds and invites name clashes.
 */
export const VHOST = uniqueId('mqtt-adapter-amqp-side');

/** Guest's AMQP URL in the test vhost. */
export const VHOST_URL = amqpUrl(VHOST);

/** Adapter settings that put its clients in the test vhost. */
export const VHOST_ENV = { MQTT_ADAPTER_VHOST: VHOST } as const;

// Root hooks: registered once, when the first test file imports this module.
before(async function () {
  this.timeout(60_000);
  await addVhost(VHOST);
});

after(async function () {
  this.timeout(60_000);
  await deleteVhost(VHOST);
});

export const queueInfo = (name: string): Promise<QueueInfo | undefined> => findQueue(name, VHOST);

export const queueNames = async (): Promise<string[]> => (await listQueues(VHOST)).map((q) => q.name);
