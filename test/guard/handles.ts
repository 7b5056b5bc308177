import type { ChildProcess } from 'node:child_process';
import { Server, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { liveTimerOrigins } from './timer-trace';

/**
 * The handles keeping the event loop alive. `process.getActiveResourcesInfo()`
 * only names their types; this undocumented companion returns the objects,
 * which say where a socket goes or which process a child is.
 */
function activeHandles(): object[] {
  const get = (process as { _getActiveHandles?: () => object[] })._getActiveHandles;
  return get ? get.call(process) : [];
}

const isStdio = (handle: object): boolean =>
  handle === process.stdout || handle === process.stderr || (handle instanceof Socket && isStdioFd(handle));

function isStdioFd(socket: Socket): boolean {
  const fd = (socket as { _handle?: { fd?: number } })._handle?.fd;
  return fd !== undefined && fd >= 0 && fd <= 2;
}

function describeHandle(handle: object): string {
  if (handle instanceof Socket) {
    if (handle.remoteAddress === undefined) return `socket ${handle.localAddress ?? '(not connected)'}`;
    return `socket ${handle.localAddress}:${handle.localPort} -> ${handle.remoteAddress}:${handle.remotePort}`;
  }
  if (handle instanceof Server) return `server listening on ${JSON.stringify(handle.address())}`;
  if ('spawnargs' in handle && 'pid' in handle) {
    const child = handle as ChildProcess;
    return `child process ${child.pid}: ${child.spawnargs.join(' ')}`;
  }
  return handle.constructor.name;
}

/** `['Timeout', 'TCPSocketWrap', 'Timeout']` as `Timeout x2, TCPSocketWrap`. */
function countTypes(types: string[]): string {
  const counts = new Map<string, number>();
  for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
  return [...counts].map(([type, n]) => (n === 1 ? type : `${type} x${n}`)).join(', ');
}

/**
 * What keeps this process alive besides its stdio: the kinds of resources
 * with their counts, then one line per socket, server or child process, then
 * where the live timers were made if that is traced. Empty when the process
 * would exit by itself.
 */
export function leftovers(): string[] {
  const resources = process.getActiveResourcesInfo();
  const handles = activeHandles();
  const stdio = handles.filter(isStdio).length;
  if (resources.length <= stdio) return [];
  return [
    `active resources: ${countTypes(resources)}${stdio > 0 ? ` (${stdio} of them stdio)` : ''}`,
    ...handles.filter((h) => !isStdio(h)).map(describeHandle),
    ...(resources.includes('Timeout') ? liveTimerOrigins() : []),
  ];
}

/** Polls until nothing but stdio is left or `deadlineMs` passed; returns what is left. */
export async function waitForNoLeftovers(deadlineMs: number): Promise<string[]> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const left = leftovers();
    if (left.length === 0 || Date.now() >= end) return left;
    await sleep(25);
  }
}
