import { strict as assert } from 'node:assert';
import { rpcWithin, RpcDeadlineExceeded, settledWithin } from '../../../adapter/src/amqp/rpc-deadline';
import { BrokerError } from '../../../adapter/src/ports/broker';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('amqp/rpc-deadline: a reply RabbitMQ does not send on an open channel', () => {
  it('passes a reply in time on, and lets nothing go', async () => {
    let late = 0;
    assert.equal(await rpcWithin(Promise.resolve(7), 1000, 'x', () => late++), 7);
    const err = new Error('404');
    await assert.rejects(
      rpcWithin(Promise.reject(err), 1000, 'x', () => late++),
      (e) => e === err,
    );
    assert.equal(late, 0);
  });

  it('fails at the deadline as a lost channel, lets the channel go once, and drops the late reply', async () => {
    let late = 0;
    let answer!: (v: number) => void;
    const started = Date.now();
    await assert.rejects(
      rpcWithin(new Promise<number>((r) => (answer = r)), 30, 'queue.bind', () => late++),
      (e) =>
        e instanceof RpcDeadlineExceeded &&
        e instanceof BrokerError &&
        e.kind === 'gone' &&
        /queue\.bind within 30 ms/.test(e.message),
    );
    assert.ok(Date.now() - started >= 25);
    assert.equal(late, 1);
    answer(1);
    await sleep(5);
    assert.equal(late, 1);
  });

  it('tells whether work settled within the wait, and never fails', async () => {
    assert.equal(await settledWithin(Promise.reject(new Error('x')), 1000), true);
    assert.equal(await settledWithin(Promise.resolve(), 1000), true);
    assert.equal(await settledWithin(new Promise(() => undefined), 20), false);
  });
});
