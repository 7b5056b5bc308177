import type { SupersededWill } from '../ports/will-store';

/**
 * What a new connection does with the will of the connection it replaces.
 * A will waiting out its delay (or the drain grace, stored with delay 0) is
 * cancelled by the client coming back in time [MQTT-3.1.3-9], unless a clean
 * start ends the session its delay was tied to. The will of a connection that
 * was still open (a takeover) is published, unless the session carries on and
 * the will has a delay that the resume cancels.
 */
export function supersededWillFate(prev: SupersededWill, cleanStart: boolean): 'publish' | 'drop' {
  if (prev.scheduled) return cleanStart && prev.will.delaySeconds > 0 ? 'publish' : 'drop';
  return !cleanStart && prev.will.delaySeconds > 0 ? 'drop' : 'publish';
}

export type CloseKind = 'disconnect' | 'drain' | 'abnormal';

/**
 * What a closing connection does with its own will: nothing after a normal
 * DISCONNECT [MQTT-3.1.2-10]; held back for the drain grace when replicas
 * share state, so a client that reconnects elsewhere fires none; published now
 * when it has no delay or the session ends with the connection; otherwise
 * scheduled for the smaller of its delay and the session expiry.
 */
export function closingWillPlan(
  kind: CloseKind,
  delaySeconds: number,
  expirySeconds: number,
  sessionEnds: boolean,
  drainGraceMs: number,
  sharedState: boolean,
): { action: 'remove' } | { action: 'publish' } | { action: 'schedule'; delayMs: number } {
  if (kind === 'disconnect') return { action: 'remove' };
  if (kind === 'drain' && sharedState && drainGraceMs > 0) {
    return {
      action: 'schedule',
      delayMs: Math.max(drainGraceMs, sessionEnds ? 0 : Math.min(delaySeconds, expirySeconds) * 1000),
    };
  }
  if (sessionEnds || delaySeconds === 0) return { action: 'publish' };
  return { action: 'schedule', delayMs: Math.min(delaySeconds, expirySeconds) * 1000 };
}
