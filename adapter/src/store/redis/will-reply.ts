import type { StoredWill } from '../../ports/will-store';
import { WILL_FIELDS, decodeWill } from './will-codec';

export type WillReply =
  | { readonly kind: 'will'; readonly will: StoredWill; readonly scheduled: boolean }
  | { readonly kind: 'none' | 'gone' | 'skip' | 'released' }
  | { readonly kind: 'later' | 'scheduled'; readonly due: number };

/** Reads the {'kind', ...} replies of the will and sweep scripts (run in Buffer mode). */
export function parseWillReply(reply: unknown): WillReply {
  if (!Array.isArray(reply) || reply.length === 0) throw new Error('unexpected will script reply');
  const kind = String(reply[0]);
  switch (kind) {
    case 'will':
      if (!Array.isArray(reply[1])) throw new Error('will script reply lacks the will');
      // The last field is the due time: present once the will was scheduled.
      return { kind, will: decodeWill(reply[1]), scheduled: reply[1][WILL_FIELDS.length - 1] != null };
    case 'later':
    case 'scheduled':
      return { kind, due: Number(String(reply[1])) };
    case 'none':
    case 'gone':
    case 'skip':
    case 'released':
      return { kind };
    default:
      throw new Error(`unknown will script reply ${kind}`);
  }
}
