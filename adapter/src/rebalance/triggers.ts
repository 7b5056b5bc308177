/** Why a rebalance round starts: a replica joined, or someone asked (POST /rebalance). */
export type Trigger = 'scale-out' | 'request';

/** A replica unseen this long is forgotten, so the memory of replicas stays bounded. */
const FORGET_MS = 10 * 60_000;

/**
 * Decides from successive reads of the replica loads and the standing request
 * when a round should start. Pure: time comes in as an argument.
 *
 * - A replica that was not in the previous view joins: a round starts
 *   `delayMs` later (the new pod must first be ready and reachable through
 *   the Service); a further arrival restarts the wait.
 * - A request id other than the last one seen: a round starts at once.
 *
 * The first read only learns what is there: a replica that starts is the
 * newcomer, and it answers no request placed before it came.
 */
export class Triggers {
  private readonly seen = new Map<string, number>();
  private lastRequest: string | undefined;
  private first = true;
  private scaleOutAt: number | undefined;

  constructor(
    private readonly me: string,
    private readonly delayMs: number,
  ) {}

  observe(incarnations: readonly string[], request: string | undefined, nowMs: number): Trigger | undefined {
    const joined = incarnations.some((i) => i !== this.me && !this.seen.has(i));
    for (const i of incarnations) this.seen.set(i, nowMs);
    for (const [i, at] of this.seen) if (nowMs - at > FORGET_MS) this.seen.delete(i);
    const asked = request !== undefined && request !== this.lastRequest;
    this.lastRequest = request ?? this.lastRequest;
    if (this.first) {
      this.first = false;
      return undefined;
    }
    if (joined) this.scaleOutAt = nowMs + this.delayMs;
    if (asked) return 'request';
    if (this.scaleOutAt !== undefined && nowMs >= this.scaleOutAt) {
      this.scaleOutAt = undefined;
      return 'scale-out';
    }
    return undefined;
  }
}
