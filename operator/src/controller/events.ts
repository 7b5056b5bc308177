import type { Logger } from 'pino';
import { API_VERSION, KIND } from '../api/names';
import { resourcePath } from '../kube/paths';
import type { RestClient } from '../kube/rest-client';
import type { ListenerRef } from '../builders/owner';

export type EventType = 'Normal' | 'Warning';

/** How long the same event for the same listener is not repeated (retries would flood `kubectl describe`). */
const REPEAT_AFTER_MS = 5 * 60_000;

/** Writes core/v1 Events about MqttListeners, so `kubectl describe mql` shows why a listener is stuck. */
export class EventRecorder {
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly rest: RestClient,
    private readonly component: string,
    private readonly log: Logger,
  ) {}

  async record(ref: ListenerRef, type: EventType, reason: string, message: string): Promise<void> {
    const key = `${ref.uid}\0${reason}\0${message}`;
    const now = Date.now();
    const last = this.recent.get(key);
    if (last !== undefined && now - last < REPEAT_AFTER_MS) return;
    this.recent.set(key, now);
    const time = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${ref.name}.`, namespace: ref.namespace },
      involvedObject: {
        apiVersion: API_VERSION,
        kind: KIND,
        name: ref.name,
        namespace: ref.namespace,
        uid: ref.uid,
      },
      type,
      reason,
      message,
      source: { component: this.component },
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    };
    try {
      await this.rest.create(resourcePath('v1', 'events', ref.namespace), event);
    } catch (err) {
      // An event is a courtesy: failing to write one must not fail the reconcile.
      this.log.warn({ err: String(err), reason }, 'could not record event');
    }
  }
}
