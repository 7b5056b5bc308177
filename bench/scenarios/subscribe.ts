import { MqttConn, type Endpoint } from '../client/mqtt-conn';
import { quantile } from '../stats/quantile';
import { LOOPBACK, PASSWORD, USERNAME } from '../systems/types';
import type { QoS } from '../wire/packets';
import { names, type ScenarioContext } from './context';

/** SUBSCRIBE written to SUBACK read, milliseconds. */
export interface Spread {
  readonly p50: number;
  readonly p99: number;
}

export interface SubscribeResult {
  readonly qos: QoS;
  /** The first SUBSCRIBE of a fresh clean session (at QoS 1 it makes the session's queue). */
  readonly first: Spread;
  /** A second SUBSCRIBE of the same session, to another filter. */
  readonly next: Spread;
  readonly iterations: number;
  readonly errors: string[];
}

async function timed(conn: MqttConn, filter: string, qos: QoS): Promise<number> {
  const started = process.hrtime.bigint();
  await conn.subscribe(filter, qos);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function spread(ms: number[]): Spread {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: quantile(s, 0.5), p99: quantile(s, 0.99) };
}

/**
 * SUBSCRIBE → SUBACK of clean sessions, one client at a time: each connects,
 * subscribes to a wildcard filter of its own, then to a second one, and leaves.
 * A subscription takes effect when its SUBACK is out, so this is how long a
 * client waits before the filter is live.
 */
export async function subscribeLatency(ctx: ScenarioContext, qos: QoS): Promise<SubscribeResult> {
  const n = names(ctx, `subscribe-q${qos}`);
  const at: Endpoint = { host: LOOPBACK, port: ctx.system.port };
  const first: number[] = [];
  const next: number[] = [];
  const errors: string[] = [];
  const iterations = ctx.profile.subscribe.iterations;
  for (let i = 0; i < iterations; i++) {
    let conn: MqttConn | undefined;
    try {
      conn = await MqttConn.open(at, {
        clientId: `${n.client}-${i}`,
        clean: true,
        username: USERNAME,
        password: PASSWORD,
        keepalive: 0,
      });
      first.push(await timed(conn, `${n.topic}/${i}/a/+`, qos));
      next.push(await timed(conn, `${n.topic}/${i}/b/+`, qos));
      await conn.disconnect();
    } catch (err) {
      conn?.destroy();
      if (errors.length < 5) errors.push(`iteration ${i}: ${(err as Error).message}`);
    }
  }
  return { qos, first: spread(first), next: spread(next), iterations, errors };
}
