import type { Adapter } from '../../../adapter/src/server';
import { startAdapter } from './adapter';
import { closeAll } from './cleanup';
import { HoldProxy } from './hold-proxy';
import { AmqpClient } from './rabbit';

/** An adapter that reaches RabbitMQ through a HoldProxy, and a plain AMQP client to watch what RabbitMQ got. */
export interface HeldAdapter {
  readonly proxy: HoldProxy;
  readonly adapter: Adapter;
  readonly amqp: AmqpClient;
}

/**
 * Starts a HeldAdapter with extra settings for the suite, releases the proxy
 * and closes the test's clients after each test, and stops it all after the
 * suite. Read the returned object's `current` inside tests.
 */
export function useHeldAdapter(env: Record<string, string> = {}): { current: HeldAdapter } {
  const box = { current: undefined as unknown as HeldAdapter };
  let proxy: HoldProxy | undefined;
  let adapter: Adapter | undefined;
  let amqp: AmqpClient | undefined;
  before(async function () {
    proxy = await HoldProxy.start(5672);
    adapter = await startAdapter({ MQTT_ADAPTER_AMQP_URL: `amqp://127.0.0.1:${proxy.port}`, ...env });
    amqp = await AmqpClient.open();
    box.current = { proxy, adapter, amqp };
  });
  after(async function () {
    proxy?.release();
    await amqp?.close();
    await adapter?.stop();
    await proxy?.close();
  });
  afterEach(async function () {
    proxy?.release();
    await closeAll();
  });
  return box;
}
