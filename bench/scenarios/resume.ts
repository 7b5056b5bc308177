import { MqttConn, type Endpoint } from '../client/mqtt-conn';
import { PAYLOAD_SIZE, nowUs } from '../wire/payload';
import { PublishTemplate } from '../wire/packets';
import { LOOPBACK, PASSWORD, USERNAME } from '../systems/types';
import { names, type ScenarioContext } from './context';

export interface ResumeResult {
  readonly queued: number;
  /** Medians over the iterations, milliseconds. */
  readonly connackMs: number;
  readonly lastMessageMs: number;
  readonly received: number;
  readonly iterations: number;
  readonly errors: string[];
}

const WAIT_MS = 30_000;
/** QoS 1 publishes the queueing client keeps unacknowledged at once, as MQTT client libraries do. */
const PUBLISH_WINDOW = 32;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
}

async function publishQueued(at: Endpoint, clientId: string, topic: string, count: number): Promise<void> {
  if (count === 0) return;
  const pub = await MqttConn.open(at, {
    clientId,
    clean: true,
    username: USERNAME,
    password: PASSWORD,
    keepalive: 0,
  });
  const t = new PublishTemplate(topic, 1, PAYLOAD_SIZE);
  const deadline = Date.now() + WAIT_MS;
  const settle = async (atMost: number): Promise<void> => {
    while (pub.unacked > atMost && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  };
  for (let i = 0; i < count; i++) {
    await settle(PUBLISH_WINDOW - 1);
    pub.write(t.copy(pub.allocateId() as number));
  }
  await settle(0);
  await pub.disconnect();
  if (pub.unacked > 0) throw new Error(`${pub.unacked} queued publishes not acknowledged`);
}

/** One iteration: subscribe persistently, leave, have `queued` messages queued, come back and time it. */
async function once(
  ctx: ScenarioContext,
  queued: number,
  i: number,
): Promise<{ connack: number; last: number; got: number }> {
  const n = names(ctx, `resume${queued}-${i}`);
  const at: Endpoint = { host: LOOPBACK, port: ctx.system.port };
  const opts = {
    clientId: `${n.client}-sub`,
    clean: false,
    username: USERNAME,
    password: PASSWORD,
    keepalive: 0,
  };
  const first = await MqttConn.open(at, { ...opts, clean: true });
  await first.disconnect();
  const sub = await MqttConn.open(at, opts);
  await sub.subscribe(`${n.topic}/q`, 1);
  await sub.disconnect();
  await new Promise((r) => setTimeout(r, 200));
  await publishQueued(at, `${n.client}-pub`, `${n.topic}/q`, queued);
  let got = 0;
  let lastUs = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  const started = nowUs();
  const back = await MqttConn.open(at, opts, () => {
    got++;
    lastUs = nowUs();
    if (got >= queued) done();
  });
  const connackUs = nowUs();
  if (queued === 0) done();
  await Promise.race([all, new Promise((r) => setTimeout(r, WAIT_MS))]);
  await back.disconnect();
  const cleanup = await MqttConn.open(at, { ...opts, clean: true });
  await cleanup.disconnect();
  return {
    connack: (connackUs - started) / 1000,
    last: ((queued === 0 ? connackUs : lastUs) - started) / 1000,
    got,
  };
}

/** CONNECT to CONNACK, and CONNECT to the last queued message, of a persistent QoS 1 session. */
export async function resume(ctx: ScenarioContext, queued: number): Promise<ResumeResult> {
  const connack: number[] = [];
  const last: number[] = [];
  const errors: string[] = [];
  let received = 0;
  for (let i = 0; i < ctx.profile.resume.iterations; i++) {
    try {
      const r = await once(ctx, queued, i);
      connack.push(r.connack);
      if (r.got >= queued) last.push(r.last);
      else errors.push(`iteration ${i}: ${r.got} of ${queued} queued messages arrived`);
      received += r.got;
    } catch (err) {
      errors.push(`iteration ${i}: ${(err as Error).message}`);
    }
  }
  return {
    queued,
    connackMs: median(connack),
    lastMessageMs: median(last),
    received,
    iterations: ctx.profile.resume.iterations,
    errors,
  };
}
