import type { MessageProps, QoS } from './message';

export interface RetainedMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  /** MQTT 5 properties it was published with. */
  readonly props?: MessageProps;
  /** When its Message Expiry Interval runs out (ms since the epoch); it is not sent after [MQTT-3.3.2-5]. */
  readonly expiresAt?: number;
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
