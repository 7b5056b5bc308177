/** One new CONNECT and how it ended. */
export interface ConnectSample {
  /** When the CONNECT was sent (epoch ms). */
  readonly at: number;
  /** `accepted`: CONNACK 0; `refused`: a CONNACK with an error code; `failed`: no CONNACK (timeout, socket error). */
  readonly outcome: 'accepted' | 'refused' | 'failed';
  /** The refusal's return / reason code. */
  readonly code?: number;
}

export interface RefusalWindow {
  /** CONNECTs sent from `since` on. */
  readonly sent: number;
  readonly refused: number;
  readonly failed: number;
  /** The codes of the refusals and how often each came. */
  readonly codes: Record<string, number>;
  /** From `since` to the first CONNECT not accepted; undefined if every one was. */
  readonly firstRefusedMs?: number;
  /** From `since` to the first CONNECT accepted after the last one not accepted. */
  readonly acceptedAgainMs?: number;
  /** First not accepted to first accepted again: how long new clients were turned away. */
  readonly windowMs: number;
}

/** The refusals among CONNECTs sent from `since` (a fault) on. Pure: the prober feeds it samples. */
export function refusalWindow(samples: readonly ConnectSample[], since: number): RefusalWindow {
  const after = samples.filter((s) => s.at >= since).sort((a, b) => a.at - b.at);
  const notAccepted = after.filter((s) => s.outcome !== 'accepted');
  const codes: Record<string, number> = {};
  for (const s of notAccepted)
    if (s.code !== undefined)
      codes[`0x${s.code.toString(16)}`] = (codes[`0x${s.code.toString(16)}`] ?? 0) + 1;
  const base = {
    sent: after.length,
    refused: notAccepted.filter((s) => s.outcome === 'refused').length,
    failed: notAccepted.filter((s) => s.outcome === 'failed').length,
    codes,
  };
  if (notAccepted.length === 0) return { ...base, windowMs: 0 };
  const first = notAccepted[0].at;
  const last = notAccepted[notAccepted.length - 1].at;
  const again = after.find((s) => s.at > last && s.outcome === 'accepted')?.at;
  return {
    ...base,
    firstRefusedMs: first - since,
    acceptedAgainMs: again === undefined ? undefined : again - since,
    windowMs: (again ?? last) - first,
  };
}
