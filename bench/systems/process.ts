import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { pinnedCommand } from '../proc/pin';

/** A free loopback TCP port. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves true once something accepts TCP connections on the port, false after `ms`. */
export async function waitForPort(
  port: number,
  ms: number,
  alive: () => boolean = () => true,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && alive()) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Starts a child process pinned to `cpus`, with its output going to this process's stderr. */
export function startPinned(
  cpus: string | undefined,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): ChildProcess {
  const [cmd, args] = pinnedCommand(cpus, argv);
  return spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Sends SIGTERM, then SIGKILL after `ms`; resolves when the process has exited. */
export async function stopChild(child: ChildProcess | undefined, ms = 10_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(t);
}
