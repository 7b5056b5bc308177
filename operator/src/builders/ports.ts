import type { MqttListenerSpec } from '../api/types.generated';

export interface NamedPort {
  readonly name: string;
  readonly port: number;
}

export const DEFAULT_TLS_PORT = 8883;

export const tlsEnabled = (spec: MqttListenerSpec): boolean => Boolean(spec.tls?.secretName);

/** The client-facing ports: what the pods listen on and the Service exposes. */
export function clientPorts(spec: MqttListenerSpec): NamedPort[] {
  const ports: NamedPort[] = [{ name: 'mqtt', port: spec.mqtt.port }];
  if (tlsEnabled(spec)) ports.push({ name: 'mqtts', port: spec.tls?.port ?? DEFAULT_TLS_PORT });
  if (spec.webSocket.enabled) ports.push({ name: 'ws', port: spec.webSocket.port });
  return ports;
}

export const metricsPort = (spec: MqttListenerSpec): NamedPort => ({
  name: 'metrics',
  port: spec.metrics.port,
});
