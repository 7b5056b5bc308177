import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * A real browser for the WebSocket tests: Debian's headless Chromium, driven
 * over the Chrome DevTools Protocol with Node's own WebSocket (no browser
 * automation package), and a small HTTP server for the test page and
 * mqtt.js's browser build.
 */

export const CHROMIUM = process.env.TEST_CHROMIUM ?? '/usr/bin/chromium';

export const chromiumAvailable = (): boolean => existsSync(CHROMIUM);

/** From build/test/integration/helpers/browser back to the source page. */
const PAGE = path.resolve(__dirname, '../../../../../test/integration/helpers/browser/page.html');
const BUNDLE = path.join(path.dirname(require.resolve('mqtt/package.json')), 'dist', 'mqtt.min.js');

/** Serves `/` (the test page) and `/mqtt.min.js` on a free port of 127.0.0.1. */
export async function servePage(): Promise<{ origin: string; close(): Promise<void> }> {
  const [page, bundle] = await Promise.all([readFile(PAGE), readFile(BUNDLE)]);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    else if (url.pathname === '/mqtt.min.js')
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface CdpReply {
  id?: number;
  result?: { result?: { value?: unknown }; exceptionDetails?: unknown };
  error?: { message: string };
}

/** One headless Chromium process with one page open at `url`. */
export class Browser {
  private nextId = 1;
  private readonly pending = new Map<number, (r: CdpReply) => void>();

  private constructor(
    private readonly proc: ChildProcess,
    private readonly userDataDir: string,
    private readonly page: WebSocket,
  ) {
    page.addEventListener('message', (ev) => {
      const msg = JSON.parse(String(ev.data)) as CdpReply;
      if (msg.id !== undefined) this.pending.get(msg.id)?.(msg);
    });
  }

  static async open(url: string, timeoutMs = 20_000): Promise<Browser> {
    const userDataDir = await mkdtemp(path.join(tmpdir(), 'mqtt-adapter-chromium-'));
    const proc = spawn(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--remote-debugging-address=127.0.0.1',
        '--remote-debugging-port=0',
        `--user-data-dir=${userDataDir}`,
        url,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      const debugPort = await new Promise<number>((resolve, reject) => {
        let err = '';
        const timer = setTimeout(() => reject(new Error(`no DevTools port: ${err}`)), timeoutMs);
        proc.stderr?.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(err);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        });
        proc.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`chromium exited with ${code}: ${err}`));
        });
      });
      const targets = (await (await fetch(`http://127.0.0.1:${debugPort}/json/list`)).json()) as {
        type: string;
        webSocketDebuggerUrl: string;
      }[];
      const target = targets.find((t) => t.type === 'page');
      if (!target) throw new Error('chromium opened no page');
      const ws = new WebSocket(target.webSocketDebuggerUrl);
      await new Promise<void>((resolve, reject) => {
        ws.addEventListener('open', () => resolve(), { once: true });
        ws.addEventListener('error', () => reject(new Error('DevTools WebSocket failed')), { once: true });
      });
      return new Browser(proc, userDataDir, ws);
    } catch (err) {
      proc.kill('SIGKILL');
      await rm(userDataDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Evaluates a JavaScript expression in the page and returns its (JSON) value. */
  evaluate<T>(expression: string, timeoutMs = 5000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`DevTools evaluate timed out: ${expression}`));
      }, timeoutMs);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        this.pending.delete(id);
        if (r.error) reject(new Error(r.error.message));
        else if (r.result?.exceptionDetails) reject(new Error(JSON.stringify(r.result.exceptionDetails)));
        else resolve(r.result?.result?.value as T);
      });
      this.page.send(
        JSON.stringify({
          id,
          method: 'Runtime.evaluate',
          params: { expression, returnByValue: true, awaitPromise: true },
        }),
      );
    });
  }

  /** Polls the page until `expression` is truthy, and returns its value. */
  async waitFor<T>(expression: string, what: string, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      last = await this.evaluate<T>(expression).catch(() => undefined);
      if (last) return last as T;
      await new Promise((r) => setTimeout(r, 100));
    }
    const status = await this.evaluate<string>(`document.getElementById('status')?.textContent`).catch(
      () => '?',
    );
    throw new Error(`${what}: not within ${timeoutMs} ms (page status: ${status})`);
  }

  async close(): Promise<void> {
    this.page.close();
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((resolve) => this.proc.once('exit', resolve));
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.userDataDir, { recursive: true, force: true });
  }
}
