import { strict as assert } from 'node:assert';
import { ConfigError, loadConfig } from '../../../adapter/src/config/load';
import { MAX_TIMER_MS, settings } from '../../../adapter/src/config/settings';
import { listenerSchema } from '../operator/listener-fixture';

/** The settings that end in a setTimeout or setInterval of their own value. */
const TIMER_SETTINGS = [
  settings.amqpConnectTimeoutMs,
  settings.connectTimeoutMs,
  settings.connectDeadlineMs,
  settings.closeTimeoutMs,
  settings.confirmTimeoutMs,
  settings.drainTimeoutMs,
  settings.rebalanceIntervalMs,
  settings.fenceIntervalMs,
  settings.sweepIntervalMs,
];

const noFiles = (path: string): string => {
  throw new Error(`ENOENT: ${path}`);
};

function refusal(env: string, value: string): string {
  try {
    loadConfig({ [env]: value }, noFiles);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.message;
  }
  assert.fail(`${env}=${value} was taken`);
}

describe('config: millisecond settings held to the range of a Node timer', () => {
  // Past 2^31-1 ms Node fires a timer after 1 ms (TimeoutOverflowWarning): a drain, a deadline or an
  // interval of that length would end at once, or run without pause.
  for (const s of TIMER_SETTINGS) {
    it(`${s.env}: takes 2^31-1 and refuses 2^31, saying why`, () => {
      assert.equal(s.schema.safeParse(String(MAX_TIMER_MS)).success, true);
      const message = refusal(s.env, String(MAX_TIMER_MS + 1));
      assert.match(message, new RegExp(`${s.env}="${MAX_TIMER_MS + 1}"`));
      assert.match(message, /at most 2147483647 ms \(2\^31-1\): Node runs a longer timer after 1 ms/);
    });
  }

  it('keeps the keepalive timer, 1.5 times the longest keepalive, within range', () => {
    for (const s of [settings.serverKeepAlive, settings.maxKeepAlive]) {
      assert.equal(s.schema.safeParse('65536').success, false, `${s.env} stops at 65535 s`);
    }
    assert.ok(65535 * 1500 <= MAX_TIMER_MS);
  });

  it("keeps the operator's seconds within range: the CRD's drain, rebalance and connect bounds", () => {
    const spec = listenerSchema().properties!.spec.properties!;
    const maxOf = (s: unknown): number => (s as { maximum: number }).maximum;
    const rebalance = spec.rebalance.properties!;
    const cases: [number, (typeof TIMER_SETTINGS)[number] | typeof settings.rebalanceDelayMs][] = [
      [maxOf(spec.drainTimeoutSeconds), settings.drainTimeoutMs],
      [maxOf(rebalance.intervalSeconds), settings.rebalanceIntervalMs],
      [maxOf(rebalance.delaySeconds), settings.rebalanceDelayMs],
      [maxOf(spec.limits.properties!.connectTimeoutSeconds), settings.connectTimeoutMs],
    ];
    for (const [seconds, s] of cases) {
      assert.ok(seconds * 1000 <= MAX_TIMER_MS, `${s.env}: ${seconds} s`);
      assert.equal(s.schema.safeParse(String(seconds * 1000)).success, true, `${s.env}: ${seconds} s`);
    }
  });
});
