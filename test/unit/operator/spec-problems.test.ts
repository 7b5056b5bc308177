import { strict as assert } from 'node:assert';
import { specProblems } from '../../../operator/src/spec/spec-problems';
import { listener } from './listener-fixture';

const messages = (rabbitmq: Record<string, unknown>): string[] =>
  specProblems(listener({ rabbitmq }).spec).map((p) => `${p.reason}: ${p.message}`);

describe('operator: spec problems the schema may let through', () => {
  it('accepts a Secret or a list of nodes', () => {
    assert.deepEqual(messages({ secretName: 'rabbit' }), []);
    assert.deepEqual(messages({ urls: ['amqp://r0:5672', 'amqps://r1:5671'] }), []);
  });

  it('wants exactly one of secretName and urls', () => {
    assert.deepEqual(messages({}), ['InvalidSpec: spec.rabbitmq needs secretName or urls']);
    assert.deepEqual(messages({ secretName: 's', urls: ['amqp://r0'] }), [
      'InvalidSpec: spec.rabbitmq takes secretName or urls, not both',
    ]);
  });

  it('names each bad node by position', () => {
    assert.deepEqual(messages({ urls: [] }), ['InvalidSpec: spec.rabbitmq.urls is empty']);
    assert.deepEqual(messages({ urls: ['amqp://r0:5672', 'http://r1'] }), [
      'InvalidSpec: spec.rabbitmq.urls: address 2 of 2 (host r1) uses http:, not amqp: or amqps:',
    ]);
    assert.deepEqual(messages({ urls: ['amqp://r0:5672', 'amqp://r0:5672'] }), [
      'InvalidSpec: spec.rabbitmq.urls: address 2 of 2 repeats address 1 (amqp://r0:5672)',
    ]);
    assert.deepEqual(messages({ urls: ['amqp://u:secret@r0'] }), [
      'InvalidSpec: spec.rabbitmq.urls: entry 1 carries credentials; clients log in as themselves',
    ]);
  });

  it('names a limit the adapter would refuse at start', () => {
    const problems = (limits: Record<string, number>): string[] =>
      specProblems(listener({ rabbitmq: { secretName: 'rabbit' }, limits }).spec).map((p) => p.message);
    assert.deepEqual(problems({ maxInflightQos2: 65535, maxPacketSizeUnauthenticated: 1024 }), []);
    const found = problems({ maxInflightQos2: 65536, maxSubscriptionsPerClient: 0 });
    assert.equal(found.length, 2, found.join('\n'));
    assert.match(found[0], /^spec\.limits\.maxSubscriptionsPerClient: .*>=1/);
    assert.match(found[1], /^spec\.limits\.maxInflightQos2: .*<=65535/);
    // Both in the spec's unit: a QoS of 3, and a timeout whose milliseconds overflow Node's timers.
    const more = problems({ maxQos: 3, connectTimeoutSeconds: 2147484 });
    assert.equal(more.length, 2, more.join('\n'));
    assert.match(more[0], /^spec\.limits\.maxQos: .*<=2/);
    assert.match(more[1], /^spec\.limits\.connectTimeoutSeconds: at most 2147483647 ms \(2\^31-1\)/);
    assert.deepEqual(problems({ readyQueues: 100 }), []);
    const ready = problems({ readyQueues: 101 });
    assert.equal(ready.length, 1, ready.join('\n'));
    assert.match(ready[0], /^spec\.limits\.readyQueues: .*<=100/);
  });

  it('names a spec.rebalance value the adapter would refuse at start', () => {
    const problems = (rebalance: Record<string, number>): string[] =>
      specProblems(listener({ rebalance }).spec).map((p) => p.message);
    assert.deepEqual(problems({ ratePerSecond: 1000, maxRounds: 100, tolerancePercent: 0 }), []);
    const found = problems({ ratePerSecond: 1001, maxRounds: 0 });
    assert.equal(found.length, 2, found.join('\n'));
    assert.match(found[0], /^spec\.rebalance\.ratePerSecond: .*<=1000/);
    assert.match(found[1], /^spec\.rebalance\.maxRounds: .*>=1/);
  });

  it('names a cipher OpenSSL in the adapter would not know', () => {
    const problems = (ciphers: string[]): string[] =>
      specProblems(listener({ tls: { secretName: 't', ciphers } }).spec).map((p) => p.message);
    assert.deepEqual(problems(['ECDHE-ECDSA-AES128-GCM-SHA256', 'HIGH']), []);
    assert.deepEqual(problems(['ECDHE-ECDSA-AES128-GCM-SHA999', 'HIGH']), [
      'spec.tls.ciphers: unknown cipher ECDHE-ECDSA-AES128-GCM-SHA999',
    ]);
  });
});
