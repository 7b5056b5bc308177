import * as amqp from 'amqplib';
import pino from 'pino';
import { Broker } from '../../../adapter/src/amqp/broker';
import { createMetrics } from '../../../adapter/src/observability/metrics';
import { AMQP_URL, createUser, deleteUser, setPermissions } from '../helpers/rabbit';
import { brokerContract } from './broker.contract';

/** Runs `fn` on a channel of its own guest connection, as an operator's tool would. */
async function asOperator(fn: (ch: amqp.Channel) => Promise<unknown>): Promise<void> {
  const conn = await amqp.connect(AMQP_URL);
  try {
    await fn(await conn.createChannel());
  } finally {
    await conn.close();
  }
}

brokerContract('AMQP client link on RabbitMQ', () => {
  const broker = new Broker(
    {
      urls: [AMQP_URL],
      exchange: 'amq.topic',
      pod: 'contract',
      attemptTimeoutMs: 5000,
      channelMax: 2047,
      closeTimeoutMs: 5000,
      confirmTimeoutMs: 30_000,
      readyQueues: 0,
    },
    createMetrics().amqp,
    pino({ level: 'silent' }),
  );
  const users: string[] = [];
  return Promise.resolve({
    port: broker,
    login: { vhost: '/', user: 'guest', password: 'guest' },
    async noBindUser() {
      const user = `broker-contract-${process.pid}-${users.length}`;
      users.push(user);
      await createUser(user, 'pw');
      // Binding needs read on the exchange: this user reads nothing.
      await setPermissions(user, '.*', '.*', '^$');
      return { vhost: '/', user, password: 'pw' };
    },
    declareRejecting: (queue) =>
      asOperator((ch) =>
        ch.assertQueue(queue, {
          durable: false,
          arguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish', 'x-expires': 60_000 },
        }),
      ),
    deleteQueue: (queue) => asOperator((ch) => ch.deleteQueue(queue)),
    async close() {
      await broker.close();
      for (const u of users) await deleteUser(u);
    },
  });
});
