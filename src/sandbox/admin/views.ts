/**
 * What the admin API shows of the ledger's records: the records themselves, in fen, minus the
 * sandbox's internal bookkeeping (the fingerprints that detect a reused out_trade_no).
 */
import type { Buyer, Refund, SandboxApp, Trade } from '../state/model.js';
import { openIdFor } from '../ids.js';
import type { SandboxContext } from '../context.js';

export type TradeView = Omit<Trade, 'fingerprint'> & { refundableFen: number };
export type RefundView = Omit<Refund, 'fingerprint'>;
export type AppView = SandboxApp & { keyMode: 'public-key' | 'certificate' };
export type BuyerView = Buyer & { openId?: string };

export function tradeView(t: Trade): TradeView {
  const { fingerprint: _internal, ...rest } = t;
  return { ...rest, refundableFen: t.status === 'TRADE_SUCCESS' ? t.totalFen - t.refundedFen : 0 };
}

export function refundView(r: Refund): RefundView {
  const { fingerprint: _internal, ...rest } = r;
  return rest;
}

export function appView(app: SandboxApp): AppView {
  return { ...app, keyMode: app.appCertSn ? 'certificate' : 'public-key' };
}

/** A buyer; with `appId`, also the open id that app sees for them (openid-mode apps). */
export function buyerView(ctx: SandboxContext, b: Buyer, appId?: string): BuyerView {
  return appId ? { ...b, openId: openIdFor(ctx.identity.secret, appId, b.userId) } : b;
}
