import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const LEFT_OUT = new Set(['reserved_unallocated', 'allocated_unused', 'binary']);

/** Resident set size of a process in bytes, from /proc/<pid>/status. */
export function rssBytes(pid: number): number {
  return statusBytes(pid, 'VmRSS');
}

/** A size line of /proc/<pid>/status in bytes (VmRSS now, VmHWM its peak so far); 0 once the process is gone. */
export function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Memory RabbitMQ uses, from `rabbitmq-diagnostics memory_breakdown`: every
 * category but the allocators' spare space (reserved or allocated but unused)
 * and `binary`. With the MQTT plugin, `binary` (and `erlang:memory(binary)`)
 * grows by about 3.8 MiB per idle connection while the node's RSS grows by
 * about 140 KiB: buffers allocated but never touched. The other categories
 * follow the RSS. Every Erlang process is garbage collected first.
 */
export async function rabbitAllocatedBytes(): Promise<number> {
  // Garbage the connects left in process heaps is not what a connection holds.
  await run('rabbitmqctl', ['-q', 'force_gc'], { timeout: 120_000 });
  const { stdout } = await run(
    'rabbitmq-diagnostics',
    ['-q', 'memory_breakdown', '--unit', 'bytes', '--formatter', 'json'],
    { timeout: 30_000 },
  );
  const breakdown = JSON.parse(stdout) as Record<string, { bytes: number }>;
  let total = 0;
  for (const [k, v] of Object.entries(breakdown)) if (!LEFT_OUT.has(k)) total += v.bytes;
  return total;
}

/** Redis `used_memory` in bytes. */
export async function redisUsedBytes(): Promise<number> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', 'info', 'memory'], { timeout: 10_000 });
  const m = /^used_memory:(\d+)/m.exec(stdout);
  return m ? Number(m[1]) : 0;
}
