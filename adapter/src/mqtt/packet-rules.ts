import type { Packet } from 'mqtt-packet';

/**
 * Rules on packet identifiers and flags that mqtt-packet parses without
 * enforcing. A packet that breaks one is a protocol violation, and the
 * connection must be closed [MQTT-4.8.0-1]; returns why, or undefined.
 */
export function brokenPacketRule(p: Packet): string | undefined {
  switch (p.cmd) {
    case 'publish':
      if (p.qos === 0 && p.dup) return 'DUP set on a QoS 0 PUBLISH [MQTT-3.3.1-2]';
      if (p.qos > 0 && !p.messageId) return 'QoS > 0 PUBLISH with packet identifier 0 [MQTT-2.3.1-1]';
      return undefined;
    case 'subscribe':
      return p.messageId ? undefined : 'SUBSCRIBE with packet identifier 0 [MQTT-2.3.1-1]';
    case 'unsubscribe':
      if (!p.messageId) return 'UNSUBSCRIBE with packet identifier 0 [MQTT-2.3.1-1]';
      return p.unsubscriptions.length === 0
        ? 'UNSUBSCRIBE without a topic filter [MQTT-3.10.3-2]'
        : undefined;
    default:
      return undefined;
  }
}
