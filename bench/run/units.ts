import { crosscheck } from '../scenarios/crosscheck';
import { fanIn } from '../scenarios/fan-in';
import { fanOut } from '../scenarios/fan-out';
import { idle } from '../scenarios/idle';
import { offload } from '../scenarios/offload';
import { oneToOne, oneToOneOffload } from '../scenarios/one-to-one';
import { resume } from '../scenarios/resume';
import { subscribeLatency } from '../scenarios/subscribe';
import type { ScenarioContext } from '../scenarios/context';
import type { SystemName } from '../systems/types';
import type { Profile } from './profile';
import { record, type RunResults } from './results';

export type ScenarioName =
  | 'fan-in'
  | 'one-to-one'
  | 'fan-out'
  | 'idle'
  | 'resume'
  | 'crosscheck'
  | 'subscribe'
  | 'offload'
  | 'one-to-one-offload';
export const SCENARIOS: readonly ScenarioName[] = [
  'fan-in',
  'one-to-one',
  'fan-out',
  'idle',
  'resume',
  'crosscheck',
  'subscribe',
  'offload',
];
/** Scenarios run only when named in `--scenarios`, to keep the default runs within their time. */
export const NAMED_ONLY: readonly ScenarioName[] = ['one-to-one-offload'];

/** One measurement to make on each applicable system, in each repetition it applies to. */
export interface Unit {
  readonly scenario: ScenarioName;
  readonly variant: string;
  readonly reps: number;
  /** MQTT connections the unit holds at once; a system that may not take that many skips it. */
  readonly connections: number;
  /** The unit starts and stops the processes it measures itself: the runner's shared systems stay as they are. */
  readonly ownsSystem?: boolean;
  applies(system: SystemName): boolean;
  run(ctx: ScenarioContext, into: RunResults): Promise<void>;
}

const mqttOnly = (s: SystemName): boolean => s !== 'amqp-ceiling';
const onRabbitMq = (s: SystemName): boolean =>
  s === 'adapter' || s === 'rabbitmq-mqtt' || s === 'amqp-ceiling';
const all = (): boolean => true;

/** 1:1 per QoS, on the shared systems or, `offload`, on processes of its own in the offload layout. */
function oneToOneUnits(p: Profile, offload: boolean): Unit[] {
  return p.oneToOne.qos.map((qos) => {
    const variant = `${p.oneToOne.pairs} pairs, QoS ${qos}`;
    return {
      scenario: offload ? 'one-to-one-offload' : 'one-to-one',
      variant,
      reps: p.onceOnly.includes(variant) ? 1 : p.reps,
      connections: p.oneToOne.pairs * 2,
      ownsSystem: offload,
      applies: offload ? onRabbitMq : all,
      run: async (ctx, r) =>
        offload
          ? record(r.oneToOneOffload, variant, ctx.system.name, await oneToOneOffload(ctx, qos))
          : record(r.oneToOne, variant, ctx.system.name, await oneToOne(ctx, qos)),
    };
  });
}

/** The profile's matrix as units, in the order they run. */
export function units(p: Profile, selected: readonly ScenarioName[]): Unit[] {
  const out: Unit[] = [];
  const want = (s: ScenarioName): boolean => selected.includes(s);
  if (want('fan-in'))
    for (const pubs of p.fanIn.publishers)
      for (const qos of p.fanIn.qos) {
        const variant = `${pubs} publishers, QoS ${qos}`;
        out.push({
          scenario: 'fan-in',
          variant,
          reps: p.onceOnly.includes(variant) ? 1 : p.reps,
          connections: pubs + 1,
          applies: all,
          run: async (ctx, r) => record(r.fanIn, variant, ctx.system.name, await fanIn(ctx, pubs, qos)),
        });
      }
  if (want('one-to-one')) out.push(...oneToOneUnits(p, false));
  if (want('fan-out')) {
    const variant = `1 publisher, ${p.fanOut.subscribers} subscribers, QoS 0`;
    out.push({
      scenario: 'fan-out',
      variant,
      reps: p.reps,
      connections: p.fanOut.subscribers + 1,
      applies: all,
      run: async (ctx, r) => record(r.fanOut, variant, ctx.system.name, await fanOut(ctx)),
    });
  }
  if (want('idle'))
    for (const kind of p.idle.kinds)
      out.push({
        scenario: 'idle',
        variant: kind,
        reps: p.idle.reps,
        connections: 0, // scaled down to what the system may take
        applies: mqttOnly,
        run: async (ctx, r) => record(r.idle, kind, ctx.system.name, await idle(ctx, kind)),
      });
  if (want('resume'))
    for (const queued of p.resume.queued) {
      const variant = `${queued} queued`;
      out.push({
        scenario: 'resume',
        variant,
        reps: p.reps,
        connections: 2,
        applies: mqttOnly,
        run: async (ctx, r) => record(r.resume, variant, ctx.system.name, await resume(ctx, queued)),
      });
    }
  if (want('crosscheck'))
    for (const qos of [1] as const) {
      // At QoS 0 a closed-loop client measures only how fast it can write, so only QoS 1 is compared.
      const variant = `QoS ${qos}`;
      out.push({
        scenario: 'crosscheck',
        variant,
        reps: p.reps,
        connections: p.crosscheck.clients,
        applies: mqttOnly,
        run: async (ctx, r) => {
          const x = await crosscheck(ctx, qos);
          if (x) record(r.crosscheck, variant, ctx.system.name, x);
        },
      });
    }
  if (want('subscribe'))
    for (const qos of p.subscribe.qos) {
      const variant = `QoS ${qos}`;
      out.push({
        scenario: 'subscribe',
        variant,
        reps: p.reps,
        connections: 1,
        applies: mqttOnly,
        run: async (ctx, r) =>
          record(r.subscribe, variant, ctx.system.name, await subscribeLatency(ctx, qos)),
      });
    }
  if (want('offload'))
    for (const qos of p.offload.qos) {
      const variant = `${p.offload.publishers} publishers, QoS ${qos}`;
      out.push({
        scenario: 'offload',
        variant,
        reps: p.reps,
        connections: p.offload.publishers + 1,
        ownsSystem: true,
        applies: onRabbitMq,
        run: async (ctx, r) => record(r.offload, variant, ctx.system.name, await offload(ctx, qos)),
      });
    }
  if (want('one-to-one-offload')) out.push(...oneToOneUnits(p, true));
  return out;
}
