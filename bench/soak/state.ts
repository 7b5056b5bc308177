import type { Redis } from 'ioredis';
import type { PrivateRabbit } from '../proc/private-rabbit';

/** What RabbitMQ and Redis hold at one moment: the counts a leak would grow. */
export interface ServiceState {
  readonly queues: number;
  readonly consumers: number;
  readonly channels: number;
  readonly connections: number;
  /** erlang:memory(total) of the node, bytes. */
  readonly rabbitBytes: number;
  /** Its processes, binary and ets parts: which one grows tells queued data from tables or fragments. */
  readonly rabbitProcesses: number;
  readonly rabbitBinary: number;
  readonly rabbitEts: number;
  /** Messages held in all queues (ready and unacked): memory that follows them is data, not a leak. */
  readonly messages: number;
  readonly redisKeys: number;
  /** INFO memory used_memory, bytes. */
  readonly redisBytes: number;
}

// One CLI start (an Erlang VM) per sample: every count in one call.
const EVAL =
  '{rabbit_amqqueue:count(), length(rabbit_amqqueue:consumers_all(<<"/">>)), ' +
  'length(rabbit_channel:list()), length(rabbit_networking:connections()), erlang:memory(total), ' +
  'erlang:memory(processes), erlang:memory(binary), erlang:memory(ets), ' +
  'lists:sum([proplists:get_value(messages, I, 0) || I <- rabbit_amqqueue:info_all(<<"/">>, [messages])])}.';

export async function serviceState(rabbit: PrivateRabbit, redis: Redis): Promise<ServiceState> {
  const [out, keys, info] = await Promise.all([
    rabbit.ctl('eval', EVAL),
    redis.dbsize(),
    redis.info('memory'),
  ]);
  const n = (out.match(/\d+/g) ?? []).map(Number);
  if (n.length !== 9) throw new Error(`unexpected rabbitmqctl eval output: ${out}`);
  const used = /used_memory:(\d+)/.exec(info);
  return {
    queues: n[0],
    consumers: n[1],
    channels: n[2],
    connections: n[3],
    rabbitBytes: n[4],
    rabbitProcesses: n[5],
    rabbitBinary: n[6],
    rabbitEts: n[7],
    messages: n[8],
    redisKeys: keys,
    redisBytes: used ? Number(used[1]) : NaN,
  };
}

/** Every key in the (private) Redis with its PTTL (-1: no expiry); the database is small once clients left. */
export async function redisKeyList(redis: Redis): Promise<{ key: string; ttlMs: number }[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  const ttls = await Promise.all(keys.map((k) => redis.pttl(k)));
  return keys.map((key, i) => ({ key, ttlMs: ttls[i] })).sort((a, b) => a.key.localeCompare(b.key));
}
