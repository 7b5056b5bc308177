import * as amqp from 'amqplib';

/** Raw AMQP 0-9-1 peers for the ceiling: what RabbitMQ does with no MQTT layer in front. */

export const EXCHANGE = 'amq.topic';

export async function amqpConnect(url: string): Promise<amqp.ChannelModel> {
  const c = await amqp.connect(url);
  c.on('error', () => undefined);
  return c;
}

/** One publisher: a channel of its own, with confirms for the QoS 1 ceiling. */
export class AmqpPublisher {
  unconfirmed = 0;

  private constructor(
    private readonly ch: amqp.Channel,
    private readonly routingKey: string,
    private readonly confirm: boolean,
  ) {}

  static async open(conn: amqp.ChannelModel, routingKey: string, confirm: boolean): Promise<AmqpPublisher> {
    const ch = confirm ? await conn.createConfirmChannel() : await conn.createChannel();
    ch.on('error', () => undefined);
    return new AmqpPublisher(ch, routingKey, confirm);
  }

  publish(payload: Buffer): boolean {
    if (this.unconfirmed >= 65535) return false;
    if (!this.confirm) {
      this.ch.publish(EXCHANGE, this.routingKey, payload, { deliveryMode: 1 });
      return true;
    }
    this.unconfirmed++;
    (this.ch as amqp.ConfirmChannel).publish(EXCHANGE, this.routingKey, payload, { deliveryMode: 2 }, () => {
      this.unconfirmed--;
    });
    return true;
  }

  async close(): Promise<void> {
    await this.ch.close().catch(() => undefined);
  }
}

/**
 * One consumer: an exclusive queue bound with `bindingKey`; auto-ack for the
 * QoS 0 ceiling, manual acks under a prefetch for the QoS 1 ceiling.
 */
export class AmqpConsumer {
  private constructor(private readonly ch: amqp.Channel) {}

  static async open(
    conn: amqp.ChannelModel,
    bindingKey: string,
    acks: boolean,
    prefetch: number,
    onMessage: (payload: Buffer) => void,
  ): Promise<AmqpConsumer> {
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await ch.bindQueue(queue, EXCHANGE, bindingKey);
    if (acks) await ch.prefetch(prefetch);
    await ch.consume(
      queue,
      (msg) => {
        if (!msg) return;
        onMessage(msg.content);
        if (acks) ch.ack(msg);
      },
      { noAck: !acks },
    );
    return new AmqpConsumer(ch);
  }

  async close(): Promise<void> {
    await this.ch.close().catch(() => undefined);
  }
}

/** MQTT topic to AMQP routing key, as RabbitMQ's MQTT plugin maps it. */
export function routingKey(topic: string): string {
  return topic.replace(/\//g, '.').replace(/\+/g, '*');
}
