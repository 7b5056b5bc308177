import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../../adapter/src/config/load';
import { createLogger } from '../../../adapter/src/log';
import { Adapter } from '../../../adapter/src/server';

/** Starts an in-process adapter on free ports; extra settings by environment name. */
export async function startAdapter(env: Record<string, string> = {}): Promise<Adapter> {
  const config = loadConfig({
    MQTT_ADAPTER_MQTT_HOST: '127.0.0.1',
    MQTT_ADAPTER_MQTT_PORT: '0',
    MQTT_ADAPTER_TLS_PORT: '0',
    MQTT_ADAPTER_HTTP_PORT: '0',
    MQTT_ADAPTER_AMQP_URL: 'amqp://127.0.0.1:5672',
    MQTT_ADAPTER_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    MQTT_ADAPTER_POD_NAME: `test-${randomBytes(4).toString('hex')}`,
    ...env,
  });
  return Adapter.start(config, createLogger(config.logLevel));
}

/** A client id no other test uses. */
export const uniqueId = (prefix = 'test'): string => `${prefix}-${randomBytes(6).toString('hex')}`;

export const GUEST = { username: 'guest', password: 'guest' } as const;
