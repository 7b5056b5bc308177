import type { QoS } from '../amqp/message';

export interface RetainedMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
}

/**
 * Retained messages by topic. A zero-length payload clears the topic
 * [MQTT-3.3.1-10]. Both implementations pass the same contract suite.
 */
export interface RetainedStore {
  set(msg: RetainedMessage): Promise<void>;
  clear(topic: string): Promise<void>;
  /** Retained messages whose topic matches the filter. */
  match(filter: string): Promise<RetainedMessage[]>;
  close(): Promise<void>;
}
