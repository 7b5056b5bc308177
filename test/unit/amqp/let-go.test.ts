import { strict as assert } from 'node:assert';
import type * as amqp from 'amqplib';
import { letChannelGo } from '../../../adapter/src/amqp/let-go';

describe('amqp/let-go: a channel given up at a deadline', () => {
  it('is forgotten before its close is asked for, and a failing close settles quietly', async () => {
    const steps: string[] = [];
    const ch = {
      close: () => {
        steps.push('close');
        return Promise.reject(new Error('connection gone'));
      },
    } as unknown as amqp.Channel;
    const closed = letChannelGo(ch, () => steps.push('forget'));
    assert.deepEqual(steps, ['forget', 'close']);
    assert.equal(await closed, undefined);
  });
});
