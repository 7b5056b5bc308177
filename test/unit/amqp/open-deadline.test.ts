import { strict as assert } from 'node:assert';
import { openWithin } from '../../../adapter/src/amqp/open-deadline';

class Channel {
  closed = 0;
  close(): Promise<void> {
    this.closed++;
    return Promise.resolve();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('amqp/open-deadline: a channel.open RabbitMQ does not answer', () => {
  it('hands over a channel that opens in time, and leaves it open', async () => {
    const ch = new Channel();
    assert.equal(await openWithin(Promise.resolve(ch), 1000), ch);
    assert.equal(ch.closed, 0);
  });

  it('fails at the deadline, and closes the channel that opens after it', async () => {
    const ch = new Channel();
    let open!: (c: Channel) => void;
    const started = Date.now();
    await assert.rejects(
      openWithin(new Promise<Channel>((r) => (open = r)), 30),
      /did not open a channel within 30 ms/,
    );
    assert.ok(Date.now() - started >= 25);
    open(ch);
    await sleep(5);
    assert.equal(ch.closed, 1);
  });

  it('passes an open RabbitMQ refused on as it is', async () => {
    const err = new Error('Connection closed');
    await assert.rejects(openWithin(Promise.reject(err), 1000), (e) => e === err);
  });
});
