import type { MqttClient } from 'mqtt';
import type { IConnackPacket } from 'mqtt-packet';

/** What an MQTT 5 CONNACK without a Receive Maximum allows. */
const UNBOUNDED = 65_535;

/**
 * Numbered QoS 1 messages from one client, one every `everyMs`, never more
 * unacknowledged than the server's Receive Maximum, as an MQTT 5 client must
 * keep [MQTT-4.9.0-2]. mqtt.js does not: it sends every publish at once, so
 * a stall of the replica or of RabbitMQ's confirms longer than Receive
 * Maximum times the interval (64 x 10 ms, under load) has the replica close
 * it with DISCONNECT 0x93 [MQTT-3.3.4-9]. A tick with the window full
 * publishes nothing: the numbers stay consecutive.
 */
export class NumberedStream {
  /** Numbers PUBACKed. */
  readonly acked = new Set<number>();
  published = 0;
  /** Ticks that found the window full. */
  held = 0;
  private answered = 0;
  /** Nothing goes before the first CONNACK says how much may. */
  private window = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: MqttClient,
    private readonly topic: string,
    private readonly everyMs: number,
  ) {
    // Every CONNACK says it afresh; a new connection may come with another bound.
    client.on('connect', (p: IConnackPacket) => (this.window = p.properties?.receiveMaximum ?? UNBOUNDED));
  }

  /** Published and not yet answered, over every connection of the client: mqtt.js resends them on each. */
  get unacked(): number {
    return this.published - this.answered;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.unacked >= this.window) {
        this.held++;
        return;
      }
      const n = ++this.published;
      this.client.publish(this.topic, String(n), { qos: 1 }, (err) => {
        this.answered++;
        if (!err) this.acked.add(n);
      });
    }, this.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
