import { strict as assert } from 'node:assert';
import pino from 'pino';
import { EventRecorder } from '../../../operator/src/controller/events';
import type { RestClient } from '../../../operator/src/kube/rest-client';

interface PostedEvent {
  involvedObject: Record<string, string>;
  type: string;
  reason: string;
  message: string;
  source: { component: string };
}

/** Records what would be POSTed; the recorder only ever calls create(). */
function recordingClient(fail = false) {
  const posts: { path: string; body: PostedEvent }[] = [];
  const rest = {
    create: (path: string, body: unknown) => {
      posts.push({ path, body: body as PostedEvent });
      return fail ? Promise.reject(new Error('forbidden')) : Promise.resolve(body);
    },
  } as unknown as RestClient;
  return { rest, posts };
}

const ref = { name: 'demo', namespace: 'ns1', uid: 'uid-1' };
const log = pino({ level: 'silent' });

describe('operator: Kubernetes Events', () => {
  it('writes a core/v1 Event about the listener', async () => {
    const { rest, posts } = recordingClient();
    await new EventRecorder(rest, 'mqtt-adapter-operator', log).record(
      ref,
      'Warning',
      'SecretNotFound',
      'Secret ns1/x not found',
    );
    assert.equal(posts.length, 1);
    assert.equal(posts[0].path, '/api/v1/namespaces/ns1/events');
    const e = posts[0].body;
    assert.deepEqual(e.involvedObject, {
      apiVersion: 'mqtt.adapter.dev/v1alpha1',
      kind: 'MqttListener',
      name: 'demo',
      namespace: 'ns1',
      uid: 'uid-1',
    });
    assert.equal(e.type, 'Warning');
    assert.equal(e.reason, 'SecretNotFound');
    assert.equal(e.source.component, 'mqtt-adapter-operator');
  });

  it('does not repeat the same event on every retry, but records a different one', async () => {
    const { rest, posts } = recordingClient();
    const r = new EventRecorder(rest, 'op', log);
    await r.record(ref, 'Warning', 'SecretNotFound', 'a');
    await r.record(ref, 'Warning', 'SecretNotFound', 'a');
    await r.record(ref, 'Warning', 'SecretNotFound', 'b');
    assert.deepEqual(
      posts.map((p) => p.body.message),
      ['a', 'b'],
    );
  });

  it('never fails the reconcile when the Event cannot be written', async () => {
    const { rest } = recordingClient(true);
    await new EventRecorder(rest, 'op', log).record(ref, 'Warning', 'X', 'y');
  });
});
