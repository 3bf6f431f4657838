/**
 * The `notifies` table: every arrival is stored verbatim (raw_body bytea, content type, remote
 * address, time) in its own statement before anything else looks at it, then updated once with
 * what it claimed and what became of it — in the same transaction as the order transition it
 * caused (payments-reliability.md §3.2: transition and notify-log share one transaction).
 */
import { parseForm } from '../../alipay/index.js';
import type { Queryable } from '../db/jobs.js';

export type NotifyOutcome = 'applied' | 'duplicate' | 'ignored' | 'rejected' | 'flagged' | 'error';

/** What a notify says about itself (trusted only when the outcome says it was verified). */
export interface NotifyClaims {
  notify_id?: string;
  notify_type?: string;
  app_id?: string;
  out_trade_no?: string;
  trade_no?: string;
  trade_status?: string;
}

const CLAIM_FIELDS = ['notify_id', 'notify_type', 'app_id', 'out_trade_no', 'trade_no', 'trade_status'] as const;
/** Claims of an unverified body are attacker-controlled: keep them short. */
const CLAIM_MAX = 128;

/**
 * PostgreSQL text cannot hold U+0000 (the insert fails), and a forged body may carry one
 * (`%00`): the claims are a readable summary, the raw body keeps the exact bytes.
 */
const pgText = (v: string): string => v.replace(/\u0000/g, '\uFFFD');

export function claimsOf(params: Record<string, string | undefined>): NotifyClaims {
  const out: NotifyClaims = {};
  for (const f of CLAIM_FIELDS) {
    const v = params[f];
    if (typeof v === 'string' && v !== '') out[f] = pgText(v.length > CLAIM_MAX ? `${v.slice(0, CLAIM_MAX)}…` : v);
  }
  return out;
}

/** Best effort, for a body that did not verify: what it claims, if it can be read at all. */
export function lenientClaims(raw: Buffer): NotifyClaims {
  try {
    return claimsOf(parseForm(raw).params);
  } catch {
    return {};
  }
}

export interface Arrival {
  raw: Buffer;
  contentType: string | null;
  remoteAddr: string | null;
  receivedAt: Date;
}

/** Step one, before verification: the bytes as received. Returns the row id. */
export async function storeArrival(db: Queryable, a: Arrival): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO notifies (raw_body, content_type, remote_addr, received_at) VALUES ($1, $2, $3, $4) RETURNING id',
    [a.raw, a.contentType?.slice(0, 200) ?? null, a.remoteAddr, a.receivedAt],
  );
  return Number(rows[0]!.id);
}

export interface Processed {
  outcome: NotifyOutcome;
  reason: string;
  claims: NotifyClaims;
  orderId?: string | null;
  attemptId?: string | null;
  now: Date;
}

/**
 * The last step: what the notify claimed and what became of it. `onlyIfUnprocessed` for the
 * 'error' mark after a failure: if the transaction did commit after all (a lost COMMIT answer),
 * its outcome stands.
 */
export async function recordOutcome(db: Queryable, id: number, p: Processed, options: { onlyIfUnprocessed?: boolean } = {}): Promise<void> {
  const c = p.claims;
  await db.query(
    `UPDATE notifies SET outcome = $2, reason = $3, notify_id = $4, notify_type = $5, app_id = $6, out_trade_no = $7,
            trade_no = $8, trade_status = $9, order_id = $10, processed_at = $11, attempt_id = $12
      WHERE id = $1${options.onlyIfUnprocessed ? ' AND outcome IS NULL' : ''}`,
    [id, p.outcome, pgText(p.reason.slice(0, 1000)), c.notify_id ?? null, c.notify_type ?? null, c.app_id ?? null, c.out_trade_no ?? null, c.trade_no ?? null, c.trade_status ?? null, p.orderId ?? null, p.now, p.attemptId ?? null],
  );
}
