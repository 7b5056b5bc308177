import { FakeBroker } from '../../support/fake-broker';
import { brokerContract } from './broker.contract';

brokerContract('in-memory fake', () => {
  const fake = new FakeBroker();
  return Promise.resolve({
    port: fake,
    login: { vhost: '/', user: 'guest', password: 'guest' },
    noBindUser: () => {
      fake.grant('no-bind', { bind: false, read: false });
      return Promise.resolve({ vhost: '/', user: 'no-bind', password: 'x' });
    },
    declareRejecting: (queue) => Promise.resolve(fake.declareRejecting(queue)),
    deleteQueue: (queue) => Promise.resolve(fake.deleteQueue(queue)),
    close: () => fake.close(),
  });
});
