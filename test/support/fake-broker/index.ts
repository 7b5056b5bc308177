export { FakeBroker, type Grants, type Leftovers } from './broker';
export { FakeLink } from './link';
export { Replies } from './replies';
