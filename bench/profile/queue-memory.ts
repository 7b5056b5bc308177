import * as amqp from 'amqplib';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPrivateRabbit, type PrivateRabbit } from '../proc/private-rabbit';

/**
 * `node build/bench/profile/queue-memory.js [rate=1000] [max=60000] [step=2500]`:
 * the memory of one durable classic queue's process against the messages it
 * has passed. A consumer acks every message (prefetch 100) while a confirm
 * channel publishes 100-byte messages at `rate`/s, as the adapter does for a
 * persistent session's QoS 1 subscription; every `step` messages the publisher
 * pauses until all are acked, and the queue process's `process_info(memory)`
 * is read before and after a forced GC, with the size of its state: memory
 * moves in the heap sizes the GC picks, the state is the live data. Variants:
 * persistent messages on queue version 1, on version 2, transient messages on
 * version 1, and persistent on version 1 with `queue_index_max_journal_entries`
 * 1024. Runs on private nodes (two: that setting is node-wide), never the
 * machine's. Results: bench/results/2026-12-05-queue-memory.md.
 */

interface Variant {
  readonly name: string;
  readonly version: 1 | 2;
  readonly persistent: boolean;
  readonly maxJournal?: number;
}

interface Reading {
  readonly passed: number;
  /** process_info(memory) before the forced GC, as a sampler that forces none sees it. */
  readonly memoryBeforeGc: number;
  readonly memory: number;
  /** Words in the queue process's state (the backing queue and its index included), live data only. */
  readonly stateWords: number;
  readonly journalBytes: number;
  readonly indexBytes: number;
}

const VARIANTS: readonly Variant[] = [
  { name: 'v1 persistent', version: 1, persistent: true },
  { name: 'v2 persistent', version: 2, persistent: true },
  { name: 'v1 transient', version: 1, persistent: false },
  { name: 'v1 persistent, journal 1024', version: 1, persistent: true, maxJournal: 1024 },
];

const QUEUE = 'bench-queue-memory';
const TICK_MS = 20;
const ACK_WAIT_MS = 30_000;

/**
 * One `rabbitmqctl eval`: once every message is acked, the queue process's
 * memory, then GC it and its memory, state size and files on disk again.
 */
function probe(): string {
  return `
    {ok, Q} = rabbit_amqqueue:lookup(rabbit_misc:r(<<"/">>, queue, <<"${QUEUE}">>)),
    P = amqqueue:get_pid(Q),
    Unacked = proplists:get_value(messages_unacknowledged, rabbit_amqqueue:info(Q, [messages_unacknowledged])),
    Read = fun() ->
      [{memory, M0}] = erlang:process_info(P, [memory]),
      true = erlang:garbage_collect(P),
      [{memory, M}] = erlang:process_info(P, [memory]),
      S = erts_debug:size(sys:get_state(P)),
      Dir = rabbit_vhost:msg_store_dir_path(<<"/">>),
      Files = filelib:wildcard(filename:join([Dir, "queues", "*", "**", "*"])),
      Size = fun(Fs) -> lists:sum([filelib:file_size(F) || F <- Fs, filelib:is_regular(F)]) end,
      Jif = [F || F <- Files, filename:basename(F) =:= "journal.jif"],
      io_lib:format("0 ~b ~b ~b ~b ~b", [M0, M, S, Size(Jif), Size(Files)])
    end,
    lists:flatten(if Unacked > 0 -> io_lib:format("~b", [Unacked]); true -> Read() end).`;
}

async function read(rabbit: PrivateRabbit, passed: number): Promise<Reading> {
  const deadline = Date.now() + ACK_WAIT_MS;
  for (;;) {
    const out = (await rabbit.ctl('eval', probe())).trim().replace(/"/g, '');
    const [unacked, memoryBeforeGc, memory, stateWords, journalBytes, indexBytes] = out
      .split(/\s+/)
      .map(Number);
    if (unacked === 0) return { passed, memoryBeforeGc, memory, stateWords, journalBytes, indexBytes };
    if (Date.now() > deadline) throw new Error(`queue still has ${unacked} unacked after ${ACK_WAIT_MS} ms`);
    await sleep(200);
  }
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + ACK_WAIT_MS;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function runVariant(
  rabbit: PrivateRabbit,
  v: Variant,
  rate: number,
  max: number,
  step: number,
): Promise<Reading[]> {
  const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${rabbit.port}`);
  try {
    const pub = await conn.createConfirmChannel();
    const sub = await conn.createChannel();
    await sub.assertQueue(QUEUE, { durable: true, arguments: { 'x-queue-version': v.version } });
    await sub.prefetch(100);
    let acked = 0;
    await sub.consume(QUEUE, (m) => {
      if (m === null) return;
      sub.ack(m);
      acked += 1;
    });
    const body = Buffer.alloc(100, 'x');
    const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1000));
    const readings: Reading[] = [await read(rabbit, 0)];
    let sent = 0;
    while (sent < max) {
      const target = Math.min(max, sent + step);
      const started = Date.now();
      const first = sent;
      while (sent < target) {
        const n = Math.min(perTick, target - sent);
        for (let i = 0; i < n; i += 1) pub.publish('', QUEUE, body, { deliveryMode: v.persistent ? 2 : 1 });
        sent += n;
        await pub.waitForConfirms();
        const due = started + ((sent - first) * 1000) / rate - Date.now();
        if (due > 0) await sleep(due);
      }
      await waitFor(() => acked === sent, `${sent} acks`);
      readings.push(await read(rabbit, sent));
      process.stderr.write(`${v.name}: ${sent} ${readings[readings.length - 1].memory}\n`);
    }
    await sub.deleteQueue(QUEUE);
    return readings;
  } finally {
    await conn.close();
  }
}

async function withNode<T>(
  tag: string,
  maxJournal: number | undefined,
  f: (r: PrivateRabbit) => Promise<T>,
): Promise<T> {
  const advancedConfig =
    maxJournal === undefined
      ? undefined
      : `[{rabbit, [{queue_index_max_journal_entries, ${maxJournal}}]}].\n`;
  const rabbit = await startPrivateRabbit(`qmem-${tag}-${process.pid}`, { advancedConfig });
  try {
    return await f(rabbit);
  } finally {
    await rabbit.stop();
  }
}

const kib = (bytes: number): string => (bytes / 1024).toFixed(1);

function table(results: ReadonlyMap<Variant, Reading[]>, unit: string, cell: (r: Reading) => string): string {
  const variants = [...results.keys()];
  const head = `| passed | ${variants.map((v) => `${v.name}: ${unit}`).join(' | ')} |`;
  const rule = `|---:|${variants.map(() => '---:').join('|')}|`;
  const rows = results
    .get(variants[0])!
    .map((r, i) => `| ${r.passed} | ${variants.map((v) => cell(results.get(v)![i])).join(' | ')} |`);
  return [head, rule, ...rows].join('\n');
}

async function main(): Promise<void> {
  const [rate, max, step] = [1000, 60_000, 2500].map((d, i) => Number(process.argv[2 + i] ?? d));
  const results = new Map<Variant, Reading[]>();
  const version = await withNode('default', undefined, async (rabbit) => {
    for (const v of VARIANTS.filter((x) => x.maxJournal === undefined))
      results.set(v, await runVariant(rabbit, v, rate, max, step));
    return (await rabbit.ctl('eval', 'rabbit_misc:version().')).trim();
  });
  for (const v of VARIANTS.filter((x) => x.maxJournal !== undefined))
    results.set(
      v,
      await withNode(`j${v.maxJournal}`, v.maxJournal, (r) => runVariant(r, v, rate, max, step)),
    );
  process.stdout.write(`RabbitMQ ${version}, ${rate} msg/s, 100-byte bodies, readings every ${step}\n\n`);
  const memory = (r: Reading): string => `${kib(r.memory)} (${kib(r.stateWords * 8)})`;
  process.stdout.write(`${table(results, 'memory KiB (state KiB)', memory)}\n\n`);
  process.stdout.write(`${table(results, 'memory before GC KiB', (r) => kib(r.memoryBeforeGc))}\n\n`);
  process.stdout.write(`${table(results, 'journal.jif KiB', (r) => kib(r.journalBytes))}\n\n`);
  process.stdout.write(`${JSON.stringify(Object.fromEntries([...results].map(([v, r]) => [v.name, r])))}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
