import { strict as assert } from 'node:assert';
import { uniqueId } from './adapter';
import { closeAll } from './cleanup';
import { Mqtt } from './mqttjs';
import type { SuiteAdapter } from './suite';

export interface Bystander {
  readonly client: Mqtt;
  readonly topic: string;
}

/**
 * A client subscribed to a fresh topic for each test, that must come through
 * whatever the test did to other connections: after each passing test it is
 * still connected and still receives what a new client publishes. Call it
 * before `useAdapter`, so these checks run before the suite's own clean-up.
 */
export function useBystander(suite: () => SuiteAdapter): () => Bystander {
  let current: Bystander | undefined;
  beforeEach(async () => {
    const topic = `bystander/${uniqueId()}`;
    const client = await Mqtt.connect(suite().port);
    await client.subscribe(topic, 1);
    current = { client, topic };
  });
  afterEach(async function () {
    const b = current;
    if (b && this.currentTest?.state === 'passed') {
      assert.equal(b.client.isClosed, false, 'the bystander was disconnected');
      const pub = await Mqtt.connect(suite().port);
      await pub.publish(b.topic, 'still here', 1);
      await b.client.waitFor('still here', b.topic);
      await pub.end();
    }
    await closeAll();
  });
  return () => current as Bystander;
}
