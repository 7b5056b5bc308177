import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { SYSTEM_CPU } from '../proc/pin';
import { rssBytes } from '../proc/memory';
import { freePort, startPinned, stopChild, waitForPort } from './process';
import type { SystemUnderTest } from './types';

const SERVER = path.join(__dirname, 'aedes-server.js');

/** Aedes from npm, in memory, one process on the system CPU, started fresh each repetition. */
export class AedesSystem implements SystemUnderTest {
  readonly name = 'aedes';
  readonly maxConnections = Infinity;
  readonly protocol = 'mqtt';
  port = 0;
  private child: ChildProcess | undefined;

  constructor(private readonly pinned: boolean) {}

  prepare(): Promise<void> {
    return Promise.resolve();
  }

  async cleanup(): Promise<void> {
    await this.stop();
  }

  async start(): Promise<void> {
    this.port = await freePort();
    const child = startPinned(
      this.pinned ? SYSTEM_CPU : undefined,
      [process.execPath, SERVER, String(this.port)],
      process.env,
    );
    if (!(await waitForPort(this.port, 10_000, () => child.exitCode === null))) {
      await stopChild(child, 1000);
      throw new Error('aedes did not start');
    }
    this.child = child;
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    this.child = undefined;
  }

  processes(): Record<string, number> {
    return { aedes: this.child?.pid ?? 0 };
  }

  memory(): Promise<Record<string, number>> {
    return Promise.resolve({ aedes: rssBytes(this.child?.pid ?? 0) });
  }

  notes(): string[] {
    return [];
  }
}
