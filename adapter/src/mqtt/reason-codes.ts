/** MQTT 3.1.1 CONNACK return codes [MQTT-3.2.2-3]. */
export const ConnackV3 = {
  Accepted: 0x00,
  UnacceptableProtocolVersion: 0x01,
  IdentifierRejected: 0x02,
  ServerUnavailable: 0x03,
  BadUsernameOrPassword: 0x04,
  NotAuthorized: 0x05,
} as const;

/** MQTT 3.1.1 SUBACK failure return code. */
export const SUBACK_FAILURE_V3 = 0x80;

/** MQTT 5 reason codes (section 2.4). */
export const Reason = {
  Success: 0x00,
  GrantedQoS1: 0x01,
  GrantedQoS2: 0x02,
  NoMatchingSubscribers: 0x10,
  NoSubscriptionExisted: 0x11,
  UnspecifiedError: 0x80,
  MalformedPacket: 0x81,
  ProtocolError: 0x82,
  ImplementationSpecificError: 0x83,
  UnsupportedProtocolVersion: 0x84,
  ClientIdentifierNotValid: 0x85,
  BadUserNameOrPassword: 0x86,
  NotAuthorized: 0x87,
  ServerUnavailable: 0x88,
  ServerBusy: 0x89,
  ServerShuttingDown: 0x8b,
  BadAuthenticationMethod: 0x8c,
  KeepAliveTimeout: 0x8d,
  SessionTakenOver: 0x8e,
  TopicFilterInvalid: 0x8f,
  TopicNameInvalid: 0x90,
  PacketIdentifierInUse: 0x91,
  PacketIdentifierNotFound: 0x92,
  ReceiveMaximumExceeded: 0x93,
  TopicAliasInvalid: 0x94,
  PacketTooLarge: 0x95,
  QuotaExceeded: 0x97,
  PayloadFormatInvalid: 0x99,
  QoSNotSupported: 0x9b,
  UseAnotherServer: 0x9c,
  SharedSubscriptionsNotSupported: 0x9e,
  ConnectionRateExceeded: 0x9f,
  SubscriptionIdentifiersNotSupported: 0xa1,
  WildcardSubscriptionsNotSupported: 0xa2,
} as const;

export type ReasonCode = (typeof Reason)[keyof typeof Reason];

/** The MQTT 3.1.1 CONNACK code closest to an MQTT 5 CONNACK reason. */
export function connackCodeV3(reason: ReasonCode): number {
  switch (reason) {
    case Reason.Success:
      return ConnackV3.Accepted;
    case Reason.UnsupportedProtocolVersion:
      return ConnackV3.UnacceptableProtocolVersion;
    case Reason.ClientIdentifierNotValid:
      return ConnackV3.IdentifierRejected;
    case Reason.BadUserNameOrPassword:
      return ConnackV3.BadUsernameOrPassword;
    case Reason.NotAuthorized:
      return ConnackV3.NotAuthorized;
    default:
      return ConnackV3.ServerUnavailable;
  }
}

/** The reason codes MQTT 5 allows in a DISCONNECT (section 3.14.2.1). */
const DISCONNECT_REASONS: ReadonlySet<number> = new Set([
  0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e, 0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97,
  0x98, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2,
]);

/**
 * The DISCONNECT reason code for why a connection ends. Some reasons are
 * CONNACK-only: a client's parser refuses a DISCONNECT that carries one as
 * malformed (mqtt.js does), and so never hears why. 0x88 Server unavailable
 * (RabbitMQ lost, a confirm past its deadline) becomes 0x89 Server busy,
 * which tells the client likewise to come back; any other becomes 0x80.
 */
export function disconnectCode(reason: ReasonCode): ReasonCode {
  if (DISCONNECT_REASONS.has(reason)) return reason;
  return reason === Reason.ServerUnavailable ? Reason.ServerBusy : Reason.UnspecifiedError;
}
