import { request } from 'node:http';
import type { Target } from './ready-pods';

export type PostResult = { readonly request: string } | { readonly failed: string };

/** The most of an answer kept: enough for the adapter's one-line reasons. */
const MAX_BODY = 4096;

/**
 * `POST /rebalance` to one adapter pod, answered or failed within `timeoutMs`
 * from the start (connect and answer both: a NetworkPolicy that drops the
 * packets would otherwise hold the reconcile until the kernel gives up). No
 * connection is kept: the next request, minutes later, may go to another pod.
 */
export function postRebalance(t: Target, timeoutMs: number): Promise<PostResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: PostResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(r);
    };
    const req = request(
      { host: t.host, port: t.port, method: 'POST', path: '/rebalance', agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < MAX_BODY) body += c;
        });
        res.on('error', (err) => finish({ failed: err.message }));
        res.on('end', () => finish(answer(res.statusCode ?? 0, body.slice(0, MAX_BODY))));
      },
    );
    const deadline = setTimeout(() => {
      finish({ failed: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (err) => finish({ failed: err.message }));
    req.end();
  });
}

function answer(status: number, body: string): PostResult {
  if (status !== 202) return { failed: `answered ${status}: ${body.trim() || '(empty)'}` };
  try {
    const id = (JSON.parse(body) as { request?: unknown }).request;
    if (typeof id === 'string') return { request: id };
  } catch {
    // Not the adapter's answer; said below.
  }
  return { failed: `answered 202 without a request id: ${body.trim().slice(0, 200)}` };
}
