import { MqttError } from '../mqtt/errors';
import { Reason } from '../mqtt/reason-codes';

/** Topic aliases a v5 client sets on its PUBLISHes, up to the maximum we announced. */
export class InboundAliases {
  private readonly topics = new Map<number, string>();

  constructor(private readonly max: number) {}

  /** The topic of a PUBLISH, resolving or recording its alias [MQTT-3.3.2-10] [MQTT-3.3.2-12]. */
  resolve(topic: string, alias: number | undefined): string {
    if (alias === undefined) return topic;
    if (alias === 0 || alias > this.max) {
      throw new MqttError(
        Reason.TopicAliasInvalid,
        `topic alias ${alias} outside 1..${this.max} [MQTT-3.3.2-9]`,
      );
    }
    if (topic.length > 0) {
      this.topics.set(alias, topic);
      return topic;
    }
    const known = this.topics.get(alias);
    if (known === undefined) throw new MqttError(Reason.ProtocolError, `unknown topic alias ${alias}`);
    return known;
  }
}

/**
 * Aliases we assign toward a v5 client that allows them: the first topics
 * seen take the aliases and keep them, so later messages on a hot topic carry
 * two bytes instead of the name.
 */
export class OutboundAliases {
  private readonly byTopic = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** The alias to send and whether the client already knows it; undefined when none is left. */
  lookup(topic: string): { alias: number; known: boolean } | undefined {
    const alias = this.byTopic.get(topic);
    if (alias !== undefined) return { alias, known: true };
    if (this.byTopic.size >= this.max) return undefined;
    const next = this.byTopic.size + 1;
    this.byTopic.set(topic, next);
    return { alias: next, known: false };
  }

  /** Undoes the last lookup's new alias when its PUBLISH was not sent, so the client never learned it. */
  forget(topic: string): void {
    this.byTopic.delete(topic);
  }
}
