/** An address and port the header names. */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/**
 * What a valid header says: the client's and the proxy's side of the proxied
 * connection, or nothing usable (v1 UNKNOWN, v2 LOCAL, or an address family the
 * adapter does not take), in which case the socket's own peer stands.
 */
export type ProxyHeader =
  | { readonly kind: 'proxied'; readonly source: Endpoint; readonly destination: Endpoint }
  | { readonly kind: 'unknown' };

export type ParseResult =
  /** A header's prefix so far: read more (the caller bounds time and bytes). */
  | { readonly status: 'incomplete' }
  /** The bytes cannot start a header: the client speaks first without one. */
  | { readonly status: 'absent' }
  | { readonly status: 'invalid'; readonly reason: string }
  /** `length` bytes of header; what follows is the client's own. */
  | { readonly status: 'complete'; readonly header: ProxyHeader; readonly length: number };

export const INCOMPLETE: ParseResult = { status: 'incomplete' };
export const invalid = (reason: string): ParseResult => ({ status: 'invalid', reason });

/** `address:port`, as the adapter logs a peer. */
export const formatEndpoint = (e: Endpoint): string => `${e.address}:${e.port}`;
