export type QoS = 0 | 1 | 2;

/** MQTT 5 PUBLISH properties that travel with a message through the broker. */
export interface MessageProps {
  readonly payloadFormatIndicator?: boolean;
  readonly messageExpiryInterval?: number;
  readonly contentType?: string;
  readonly responseTopic?: string;
  readonly correlationData?: Buffer;
  readonly userProperties?: Readonly<Record<string, string | string[]>>;
}

/** A message as the session sees it, independent of AMQP. */
export interface BrokerMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
}

/**
 * What a QoS 2 message carries so a copy published again after a replica
 * failure can be told from the original: the same token on both, and
 * `resent` on the copy.
 */
export interface Qos2Mark {
  readonly token: string;
  readonly resent: boolean;
}

export interface Delivery extends BrokerMessage {
  readonly deliveryTag: number;
  readonly redelivered: boolean;
  /** The retain flag it was published with (for Retain As Published). */
  readonly retain: boolean;
  /** Client id of the MQTT publisher, for No Local. */
  readonly publisher: string | undefined;
  readonly props: MessageProps;
  /** Its Message Expiry Interval has run out: drop it. */
  readonly expired: boolean;
  /** Present on messages published at QoS 2 by an MQTT client with a persistent session. */
  readonly mark?: Qos2Mark;
}

export interface PublishExtras {
  readonly retain?: boolean;
  readonly publisher?: string;
  readonly props?: MessageProps;
  readonly mark?: Qos2Mark;
}
