import type { WebSocket } from 'ws';

interface ReceiverInternals {
  _maxPayload?: unknown;
}

/**
 * Sets the largest message an open WebSocket takes. `ws` fixes `maxPayload`
 * per server and offers no way to change it per socket, but a socket must
 * take the small pre-CONNACK limit first and the connected one after: its
 * receiver buffers a whole message before handing it on, so only this limit,
 * checked against the frame header, keeps an unauthenticated peer from
 * making the adapter hold a large one. It lives on the socket's receiver; a
 * `ws` release that moves it fails here loudly rather than silently keeping
 * the small limit (the WebSocket integration tests send large messages after
 * CONNACK).
 */
export function setMessageLimit(ws: WebSocket, bytes: number): void {
  const receiver = (ws as unknown as { _receiver?: ReceiverInternals })._receiver;
  if (typeof receiver?._maxPayload !== 'number') throw new Error('ws: no receiver maxPayload to raise');
  receiver._maxPayload = bytes;
}
