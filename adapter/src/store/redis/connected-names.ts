import { Cluster, ReplyError } from 'ioredis';
import type { RedisClient } from './client';

/**
 * The names of the connections open on Redis: CLIENT LIST on the server, or on
 * every master of a Cluster (a pod talks to each master holding its keys).
 * Undefined when Redis refuses the command (an ACL without `client|list`, a
 * renamed command); a connection failure is thrown as usual.
 */
export async function connectedNames(redis: RedisClient): Promise<Set<string> | undefined> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  try {
    const lists = await Promise.all(nodes.map((node) => node.client('LIST')));
    return new Set(lists.flatMap((list) => namesIn(String(list))));
  } catch (err) {
    if (err instanceof ReplyError) return undefined;
    throw err;
  }
}

/** Names in a CLIENT LIST reply: one line per connection, `name=<name>` among space-separated fields. */
export function namesIn(list: string): string[] {
  const names: string[] = [];
  for (const line of list.split('\n')) {
    const field = line.split(' ').find((f) => f.startsWith('name='));
    if (field && field.length > 'name='.length) names.push(field.slice('name='.length));
  }
  return names;
}
