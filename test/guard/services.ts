import { setTimeout as sleep } from 'node:timers/promises';
import { rabbitState } from './rabbit-state';
import { redisState } from './redis-state';
import { stateLeaks, type ServiceState } from './state';

/** RabbitMQ's and the shared Redis's state, read side by side. */
export async function serviceState(): Promise<ServiceState> {
  const [rabbit, redis] = await Promise.all([rabbitState(), redisState()]);
  return new Map([...rabbit, ...redis]);
}

/**
 * Reads the services until nothing is left that every read since the first
 * found added, or until `deadlineMs` passed: queues of closed connections,
 * auto-delete queues and channels go away asynchronously, and an entry that
 * was gone from any read is no leak of this file but someone else's churn on
 * the shared broker. Returns the entries every read found.
 */
export async function waitForNoServiceLeaks(before: ServiceState, deadlineMs: number): Promise<string[]> {
  const end = Date.now() + deadlineMs;
  let persistent: string[] | undefined;
  for (;;) {
    const now = stateLeaks(before, await serviceState());
    persistent = persistent ? persistent.filter((leak) => now.includes(leak)) : now;
    if (persistent.length === 0 || Date.now() >= end) return persistent;
    await sleep(250);
  }
}
