import { createHash } from 'node:crypto';
import type { RedisClient } from './client';

type Arg = string | number | Buffer;

/**
 * A Lua script run by its SHA, loaded on first use and again after a Redis
 * restart or failover (NOSCRIPT). Keys come first so Cluster routes the call
 * to the slot they share.
 */
export class LuaScript {
  private readonly sha: string;

  constructor(
    readonly name: string,
    private readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisClient, keys: readonly string[], args: readonly Arg[] = []): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }

  /**
   * As run, sent whole (EVAL) rather than by SHA: after a NOSCRIPT the retry
   * would go out behind whatever the caller pipelined after the script, so a
   * script whose place in a pipeline matters goes this way.
   */
  async runInPlace(
    client: RedisClient,
    keys: readonly string[],
    args: readonly Arg[] = [],
  ): Promise<unknown> {
    return client.eval(this.source, keys.length, ...keys, ...args);
  }

  /** As run, with bulk strings returned as Buffers (binary payloads). */
  async runBuffer(client: RedisClient, keys: readonly string[], args: readonly Arg[] = []): Promise<unknown> {
    try {
      return await client.callBuffer('EVALSHA', this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      return client.callBuffer('EVAL', this.source, keys.length, ...keys, ...args);
    }
  }
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}
