import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { AnswerOrder } from '../../../adapter/src/session/answer-order';

/** A promise with its resolver, answered when the test says. */
function later<T>(): { promise: Promise<T>; answer: (v: T) => void } {
  let answer!: (v: T) => void;
  const promise = new Promise<T>((resolve) => (answer = resolve));
  return { promise, answer };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('session/answer-order: answers in request order [MQTT-4.6.0-2]', () => {
  it('holds a later answer until every earlier one is known', async () => {
    const order = new AnswerOrder<string>();
    const sent: string[] = [];
    const a = later<string>();
    const b = later<string>();
    order.add(a.promise, (x) => sent.push(x));
    order.add(b.promise, (x) => sent.push(x));
    b.answer('b');
    await turn();
    assert.deepEqual(sent, [], 'the second answer waits for the first');
    a.answer('a');
    await turn();
    assert.deepEqual(sent, ['a', 'b']);
  });

  it('sends every answer once, in request order, whatever order they come in', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 40 })
          .chain((n) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n })),
        async (answerOrder) => {
          const order = new AnswerOrder<number>();
          const sent: number[] = [];
          const pending = answerOrder.map(() => later<number>());
          pending.forEach((p) => order.add(p.promise, (x) => sent.push(x)));
          for (const i of answerOrder) {
            pending[i].answer(i);
            await Promise.resolve();
          }
          await turn();
          assert.deepEqual(
            sent,
            answerOrder.map((_, i) => i),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('settles once every answer so far is sent, not waiting for later requests', async () => {
    const order = new AnswerOrder<string>();
    assert.equal(
      await Promise.race([order.settled().then(() => 'settled'), turn().then(() => 'waiting')]),
      'settled',
    );
    const a = later<string>();
    order.add(a.promise, () => undefined);
    let settled = false;
    const all = order.settled().then(() => (settled = true));
    const b = later<string>();
    order.add(b.promise, () => undefined);
    await turn();
    assert.equal(settled, false, 'the first answer is not in');
    a.answer('a');
    await all;
    assert.equal(settled, true, 'settled with the second request still unanswered');
    b.answer('b');
  });

  it('keeps memory bounded under steady load that never lets it empty', async () => {
    const order = new AnswerOrder<number>();
    let sent = 0;
    let previous = later<number>();
    order.add(previous.promise, () => sent++);
    for (let i = 0; i < 5000; i++) {
      const next = later<number>();
      order.add(next.promise, () => sent++);
      previous.answer(i);
      previous = next;
      await Promise.resolve();
    }
    await turn();
    assert.equal(sent, 5000, 'all but the last answered');
    const held = (order as unknown as { slots: unknown[] }).slots.length;
    assert.ok(held <= 2100, `${held} slots held for 1 unanswered request`);
    previous.answer(-1);
    await turn();
    assert.equal(sent, 5001);
  });
});
