import { strict as assert } from 'node:assert';
import type { V1Pod } from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import pino from 'pino';
import { REBALANCE_ANNOTATION } from '../../../operator/src/api/names';
import type { EventRecorder } from '../../../operator/src/controller/events';
import type { RestClient } from '../../../operator/src/kube/rest-client';
import { pendingToken, rebalanceRefusal } from '../../../operator/src/rebalance/pending-token';
import type { PostResult } from '../../../operator/src/rebalance/post-rebalance';
import { RebalanceRequests } from '../../../operator/src/rebalance/rebalance-requests';
import { readyPods, type Target } from '../../../operator/src/rebalance/ready-pods';
import { listener } from './listener-fixture';

const withToken = (token: string | undefined, lastToken?: string, spec: Record<string, unknown> = {}) => {
  const l = listener({ redis: { secretName: 'redis' }, ...spec });
  if (token !== undefined) l.metadata = { ...l.metadata, annotations: { [REBALANCE_ANNOTATION]: token } };
  if (lastToken !== undefined) l.status = { rebalance: { lastToken, requestedAt: '2026-12-05T00:00:00Z' } };
  return l;
};

interface PodShape {
  name: string;
  ip?: string;
  ready?: 'True' | 'False';
  deleting?: boolean;
  port?: number;
}

const pod = ({ name, ip = '10.0.0.1', ready = 'True', deleting = false, port }: PodShape): V1Pod => ({
  metadata: { name, ...(deleting && { deletionTimestamp: new Date() }) },
  spec: {
    containers: [
      {
        name: 'adapter',
        ...(port !== undefined && { ports: [{ name: 'metrics', containerPort: port }] }),
      },
    ],
  },
  status: { ...(ip && { podIP: ip }), conditions: [{ type: 'Ready', status: ready }] },
});

describe('operator: the rebalance annotation', () => {
  describe('pendingToken', () => {
    it('is the annotation when the status records another token or none', () => {
      assert.equal(pendingToken(withToken('t1')), 't1');
      assert.equal(pendingToken(withToken('t2', 't1')), 't2');
    });

    it('is nothing for the recorded token, for the one just acted on, or without a value', () => {
      assert.equal(pendingToken(withToken('t1', 't1')), undefined);
      assert.equal(pendingToken(withToken('t2', 't1'), 't2'), undefined, 'acted on, status not yet written');
      assert.equal(pendingToken(withToken(undefined, 't1')), undefined);
      assert.equal(pendingToken(withToken('')), undefined, 'an empty value asks for nothing');
    });
  });

  it('sees what the pods would refuse: no Redis, or rebalancing off', () => {
    assert.equal(rebalanceRefusal(withToken('t')), undefined);
    assert.match(rebalanceRefusal(listener())!, /spec\.redis/);
    assert.match(rebalanceRefusal(withToken('t', undefined, { rebalance: { enabled: false } }))!, /enabled/);
  });

  describe('readyPods', () => {
    it('keeps pods that are Ready, not terminating and have an address, in name order', () => {
      const pods = [
        pod({ name: 'c' }),
        pod({ name: 'not-ready', ready: 'False' }),
        pod({ name: 'terminating', deleting: true }),
        pod({ name: 'no-ip', ip: '' }),
        pod({ name: 'a', ip: 'fd00::1' }),
        { metadata: { name: 'no-status' } },
      ];
      assert.deepEqual(
        readyPods(pods, 9090).map((t) => [t.pod, t.host]),
        [
          ['a', 'fd00::1'],
          ['c', '10.0.0.1'],
        ],
      );
    });

    it("asks on the pod's own metrics port, the spec's only for a pod without one", () => {
      const [own, none] = readyPods([pod({ name: 'a', port: 9191 }), pod({ name: 'b' })], 9090);
      assert.equal(own.port, 9191);
      assert.equal(none.port, 9090);
    });
  });

  describe('RebalanceRequests', () => {
    const ref = { name: 'demo', namespace: 'ns1', uid: 'uid-1' };

    function harness(pods: V1Pod[] | Error, answers: PostResult[]) {
      const events: { type: string; reason: string; message: string }[] = [];
      const posts: Target[] = [];
      const list = () => (pods instanceof Error ? Promise.reject(pods) : Promise.resolve({ items: pods }));
      const rest = { get: list } as unknown as RestClient;
      const recorder = {
        record: (_: unknown, type: string, reason: string, message: string) => {
          events.push({ type, reason, message });
          return Promise.resolve();
        },
      } as unknown as EventRecorder;
      const requests = new RebalanceRequests({
        rest,
        events: recorder,
        log: pino({ level: 'silent' }),
        now: () => new Date('2026-12-05T21:00:00.123Z'),
        post: (t) => {
          posts.push(t);
          return Promise.resolve(answers.shift() ?? { failed: 'no answer left' });
        },
      });
      return { requests, events, posts };
    }

    it('asks one pod, records the token, and does not ask again while the status write is pending', async () => {
      const h = harness([pod({ name: 'a' }), pod({ name: 'b' })], [{ request: 'r1' }]);
      const l = withToken('t1', 't0');
      const first = await h.requests.serve(l, ref);
      assert.deepEqual(first, {
        status: { lastToken: 't1', requestedAt: '2026-12-05T21:00:00Z', pod: 'a', request: 'r1' },
        retry: false,
      });
      assert.deepEqual(
        h.events.map((e) => [e.type, e.reason]),
        [['Normal', 'RebalanceRequested']],
      );
      // The status write failed: the listener still shows t0, and the request is not made again.
      const again = await h.requests.serve(l, ref);
      assert.deepEqual(again, first);
      assert.equal(h.posts.length, 1);
    });

    it('tries the next ready pod when one fails, and retries when none answers', async () => {
      const h = harness(
        [pod({ name: 'a' }), pod({ name: 'b' })],
        [{ failed: 'ECONNREFUSED' }, { request: 'r' }],
      );
      assert.equal((await h.requests.serve(withToken('t1'), ref)).status?.pod, 'b');

      const none = harness([pod({ name: 'a', ready: 'False' })], []);
      const r = await none.requests.serve(withToken('t1', 't0'), ref);
      assert.deepEqual(r, { status: { lastToken: 't0', requestedAt: '2026-12-05T00:00:00Z' }, retry: true });
      assert.equal(none.posts.length, 0);
      assert.deepEqual(
        none.events.map((e) => [e.type, e.reason, e.message]),
        [['Warning', 'RebalanceFailed', 'token t1: no ready pod to ask (1 pods)']],
      );
    });

    it('reports pods it may not list as a failed request, not a failed reconcile', async () => {
      const h = harness(new Error('pods is forbidden'), []);
      const r = await h.requests.serve(withToken('t1'), ref);
      assert.deepEqual(r, { status: undefined, retry: true });
      assert.equal(h.events[0]?.message, 'token t1: cannot list the pods: pods is forbidden');
    });

    it('does not ask pods that would refuse, and waits for a spec change rather than retrying', async () => {
      const h = harness([pod({ name: 'a' })], [{ request: 'r' }]);
      const r = await h.requests.serve(withToken('t1', undefined, { rebalance: { enabled: false } }), ref);
      assert.deepEqual(r, { status: undefined, retry: false });
      assert.equal(h.posts.length, 0);
      assert.equal(h.events[0]?.reason, 'RebalanceFailed');
    });
  });
});
