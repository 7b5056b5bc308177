/**
 * The life of one MQTT connection, as named states. A connection moves
 * forward only, and may start closing from any state; closing runs the undos
 * of whatever it acquired so far (see Acquisitions).
 *
 *   accepted -> authenticating -> claiming -> resuming -> open -> closing -> closed
 */
export const PHASES = [
  'accepted',
  'authenticating',
  'claiming',
  'resuming',
  'open',
  'closing',
  'closed',
] as const;

export type Phase = (typeof PHASES)[number];

const NEXT: Readonly<Record<Phase, readonly Phase[]>> = {
  accepted: ['authenticating', 'closing'],
  authenticating: ['claiming', 'closing'],
  claiming: ['resuming', 'closing'],
  resuming: ['open', 'closing'],
  open: ['closing'],
  closing: ['closed'],
  closed: [],
};

export function canMove(from: Phase, to: Phase): boolean {
  return NEXT[from].includes(to);
}

export class IllegalTransition extends Error {
  override readonly name = 'IllegalTransition';
  constructor(from: Phase, to: Phase) {
    super(`connection cannot move from ${from} to ${to}`);
  }
}

/** The current phase of one connection; an illegal move is a bug and throws. */
export class Lifecycle {
  private current: Phase = 'accepted';

  get phase(): Phase {
    return this.current;
  }

  get ended(): boolean {
    return this.current === 'closing' || this.current === 'closed';
  }

  move(to: Phase): void {
    const from = this.current;
    if (!canMove(from, to)) throw new IllegalTransition(from, to);
    this.current = to;
  }
}
