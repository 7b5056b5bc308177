import type { ChainableCommander } from 'ioredis';

/**
 * Runs a MULTI block and throws the first command error: ioredis reports
 * those inside the reply array, where an await alone would not notice them.
 */
export async function execOrThrow(multi: ChainableCommander): Promise<void> {
  const replies = await multi.exec();
  if (replies === null) throw new Error('Redis transaction was aborted');
  for (const [err] of replies) if (err) throw err;
}
