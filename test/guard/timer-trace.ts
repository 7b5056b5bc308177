import { createHook } from 'node:async_hooks';

/**
 * Where each live timer was made, for naming a leaked one. Recording a stack
 * per timer slows every test down, so it is on only with TEST_TRACE_TIMERS=1.
 */
const origins = new Map<number, { readonly timer: WeakRef<object>; readonly stack: string }>();

if (process.env.TEST_TRACE_TIMERS === '1') {
  createHook({
    init(asyncId, type, _trigger, resource) {
      if (type !== 'Timeout') return;
      const stack = (new Error().stack ?? '')
        .split('\n')
        .slice(1)
        .filter((line) => !line.includes('node:') && !line.includes('timer-trace'))
        .slice(0, 6)
        .join('\n');
      origins.set(asyncId, { timer: new WeakRef(resource), stack });
    },
    destroy(asyncId) {
      origins.delete(asyncId);
    },
  }).enable();
}

interface TimerLike {
  hasRef(): boolean;
  readonly _destroyed?: boolean;
}

/** The origins of the timers still armed and holding the process, or how to get them. */
export function liveTimerOrigins(): string[] {
  if (process.env.TEST_TRACE_TIMERS !== '1')
    return ['(run with TEST_TRACE_TIMERS=1 to see where the timers were made)'];
  const live: string[] = [];
  for (const { timer, stack } of origins.values()) {
    const t = timer.deref() as TimerLike | undefined;
    if (t && !t._destroyed && t.hasRef()) live.push(`timer made at\n${stack}`);
  }
  return live;
}
