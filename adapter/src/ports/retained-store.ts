import type { MessageProps, QoS } from './message';

export interface RetainedMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  /** MQTT 5 properties it was published with. */
  readonly props?: MessageProps;
  /** When its Message Expiry Interval runs out (ms since the epoch); it is not sent after [MQTT-3.3.2-5]. */
  readonly expiresAt?: number;
}

/** One page of a filter's retained messages, and where the next one starts. */
export interface RetainedPage {
  /** The matching, unexpired messages among the topics this page looked at; may be empty. */
  readonly messages: RetainedMessage[];
  /** The last topic looked at: pass it as `after` for the next page. Absent once the filter is exhausted. */
  readonly next?: string;
}

/**
 * Retained messages by topic. A zero-length payload clears the topic
 * [MQTT-3.3.1-10]. Both implementations pass the same contract suite.
 */
export interface RetainedStore {
  set(msg: RetainedMessage): Promise<void>;
  clear(topic: string): Promise<void>;
  /**
   * Up to `limit` topics that could match the filter, in the store's topic
   * order, starting after the topic `after` (from the start when absent).
   * The cursor is the topic itself, so the store keeps nothing between
   * pages: a reader that stops simply asks no more. Over a whole walk,
   * each topic retained throughout comes exactly once; one set or cleared
   * meanwhile comes at most once, with the value it has when its page is read.
   */
  page(filter: string, after: string | undefined, limit: number): Promise<RetainedPage>;
  close(): Promise<void>;
}

/** Every retained message matching a filter, one non-empty page at a time. */
export async function* retainedPages(
  store: RetainedStore,
  filter: string,
  limit: number,
): AsyncGenerator<RetainedMessage[], void, undefined> {
  let after: string | undefined;
  do {
    const page = await store.page(filter, after, limit);
    if (page.messages.length > 0) yield page.messages;
    after = page.next;
  } while (after !== undefined);
}

/** Past its Message Expiry Interval: no longer sent to anyone [MQTT-3.3.2-5]. */
export function retainedExpired(m: RetainedMessage, now: number): boolean {
  return m.expiresAt !== undefined && m.expiresAt <= now;
}
