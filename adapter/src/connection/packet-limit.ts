import type { Config } from '../config/settings';

/**
 * The largest packet read before CONNACK: until the client is authenticated a
 * peer gets the small allowance, so unauthenticated sockets cannot make the
 * adapter hold large buffers; never more than the limit after it.
 */
export function unauthenticatedPacketLimit(
  config: Pick<Config, 'maxPacketSize' | 'maxPacketSizeUnauthenticated'>,
): number {
  return Math.min(config.maxPacketSizeUnauthenticated, config.maxPacketSize);
}
