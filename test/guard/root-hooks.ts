import type { Context, Done, RootHookObject } from 'mocha';
import { leftovers, waitForNoLeftovers } from './handles';
import { serviceState, waitForNoServiceLeaks } from './services';
import type { ServiceState } from './state';

/**
 * Root hooks of every mocha run (`.mocharc.json` requires this file): after
 * the last hook of the run, nothing but stdio may keep the process alive, and
 * with TEST_CHECK_SERVICES=1 (the per-file runner of the integration tests
 * sets it) RabbitMQ and the shared Redis must hold nothing they did not hold
 * before the first hook. Either failure fails the run with what was left, and
 * a process that still does not exit is ended, so a leak never hangs a run.
 */

// TEST_LEAK_WAIT_MS shortens both waits for the test of these checks.
const HANDLES_DEADLINE_MS = Number(process.env.TEST_LEAK_WAIT_MS ?? 5_000);
const SERVICES_DEADLINE_MS = Number(process.env.TEST_LEAK_WAIT_MS ?? 15_000);
/** How long a finished run may take to exit before its leftovers are printed and it is ended. */
const EXIT_DEADLINE_MS = 5_000;

// Read while mocha loads the test files, so the rabbitmqctl start costs the file no time.
const servicesBefore: Promise<ServiceState> | undefined =
  process.env.TEST_CHECK_SERVICES === '1' ? serviceState() : undefined;
servicesBefore?.catch(() => undefined);

/** What the run left, and whether that includes handles keeping the process alive. */
async function leaks(before: ServiceState | undefined): Promise<{ handles: boolean; problems: string[] }> {
  const problems: string[] = [];
  const handles = await waitForNoLeftovers(HANDLES_DEADLINE_MS);
  if (handles.length > 0) {
    problems.push(
      `still open ${HANDLES_DEADLINE_MS} ms after the last hook:`,
      ...handles.map((l) => `  ${l}`),
    );
  }
  if (before) {
    const services = await waitForNoServiceLeaks(before, SERVICES_DEADLINE_MS);
    if (services.length > 0) {
      problems.push(
        `RabbitMQ and Redis, ${SERVICES_DEADLINE_MS} ms after the last hook, against the start of the run:`,
        ...services.map((l) => `  ${l}`),
      );
    }
  }
  return { handles: handles.length > 0, problems };
}

let exitDeadlineArmed = false;

/**
 * Ends a process that something keeps alive after mocha finished: quietly soon
 * when the check already named the leftovers, else naming what appeared since.
 */
function armExitDeadline(leftoversNamed: boolean): void {
  if (exitDeadlineArmed) return;
  exitDeadlineArmed = true;
  setTimeout(
    () => {
      if (!leftoversNamed) {
        const lines = leftovers().map((l) => `  ${l}\n`);
        process.stderr.write(
          `mocha finished but the process did not exit within ${EXIT_DEADLINE_MS} ms:\n${lines.join('')}`,
        );
      }
      process.exit(1);
    },
    leftoversNamed ? 1_000 : EXIT_DEADLINE_MS,
  ).unref();
}

function leakCheck(this: Context, before: ServiceState | undefined, done: Done): void {
  // Mocha's timeout timer of this very hook would count as a leftover; the checks have deadlines of their own.
  this.runnable().clearTimeout();
  leaks(before).then(
    ({ handles, problems }) => {
      armExitDeadline(handles);
      if (problems.length === 0) return done();
      const err = new Error(`left behind:\n${problems.join('\n')}`);
      err.stack = err.message;
      done(err);
    },
    (err: unknown) => {
      armExitDeadline(false);
      done(err);
    },
  );
}

export const mochaHooks: RootHookObject = {
  async beforeAll(this: Context) {
    const before = await servicesBefore;
    const root = this.test?.parent;
    if (!root) throw new Error('the root hooks found no root suite to check after');
    // Added now rather than declared above: the test files are loaded by now, so
    // this runs after their own root-level after hooks, which clean up too.
    root.afterAll('leaves no handles, queues or keys behind', function (this: Context, done: Done) {
      leakCheck.call(this, before, done);
    });
  },
};

/**
 * Mocha calls this once the run is over, whatever failed: a failing root-level
 * after hook of a test file skips the leak check, and the process must still
 * not hang.
 */
export const mochaGlobalTeardown = (): void => armExitDeadline(false);
