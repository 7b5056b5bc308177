import { strict as assert } from 'node:assert';
import type { ConsumerChannels } from '../../../adapter/src/amqp/consumer-channels';
import { type ConsumerHost } from '../../../adapter/src/amqp/consumer-channels';
import { fakeConsumerChannels, type FakeChannel } from '../../support/fake-amqp-channel';

const host = (): ConsumerHost => ({ consumerChannelLost: () => undefined });
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('shared consumer channels: opened on demand, closed when empty', () => {
  let opened: FakeChannel[];
  let channels: ConsumerChannels;
  beforeEach(() => ({ channels, opened } = fakeConsumerChannels(2)));

  it('opens a channel per two hosts, and closes each emptied one while another stays open', async () => {
    const hosts = Array.from({ length: 6 }, host);
    const joined = [];
    for (const h of hosts) joined.push(await channels.join(h));
    assert.equal(opened.length, 3);
    assert.equal(channels.openCount, 3);
    for (let i = 0; i < 6; i++) channels.leave(hosts[i], joined[i]);
    await turn();
    assert.deepEqual(
      opened.map((c) => c.closes),
      [1, 1, 0],
      'the last channel stays open for the next client',
    );
    assert.equal(channels.openCount, 1);
    const again = await channels.join(host());
    assert.equal(again, joined[4], 'a new host takes the channel kept open');
    assert.equal(opened.length, 3);
  });

  it('keeps a channel with a host on it', async () => {
    const [a, b, c] = [host(), host(), host()];
    const ca = await channels.join(a);
    await channels.join(b);
    const cc = await channels.join(c);
    assert.notEqual(ca, cc);
    channels.leave(a, ca);
    await turn();
    assert.equal(opened[0].closes, 0, 'b is still on it');
  });
});

describe('shared consumer channels: the prefetch', () => {
  it('sets basic.qos only when a consumer needs another prefetch than the one before', async () => {
    const { channels, opened } = fakeConsumerChannels(10);
    const c = await channels.join(host());
    const noop = (): void => undefined;
    for (const prefetch of [64, 64, 10, 10, 64]) await c.consume(`q${prefetch}`, prefetch, noop, 5000);
    assert.deepEqual(opened[0].prefetches, [64, 10, 64]);
  });
});
