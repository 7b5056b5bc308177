import mqtt from 'mqtt';

/** An mqtt.js clean session to a local adapter as RabbitMQ's guest user, never reconnecting. */
export function guestClient(port: number, clientId: string): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync({
    host: '127.0.0.1',
    port,
    clean: true,
    clientId,
    username: 'guest',
    password: 'guest',
    reconnectPeriod: 0,
  });
}
