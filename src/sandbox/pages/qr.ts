/**
 * `/qr/<token>`: the URL a precreate answers as qr_code (methods/trade-precreate.ts). Opening it
 * is "scanning" the code: a valid code leads to the cashier for its trade, where the buyer logs
 * in (which binds the buyer: from then on the trade exists for query/close/refund) and pays.
 * An unknown token, an expired code (qr_code_timeout_express) or a trade that is no longer
 * waiting shows why it cannot be paid.
 */
import type { SandboxContext } from '../context.js';
import type { Router, SandboxRequest, SandboxResponse } from '../http/router.js';
import { qrCodeOf } from '../methods/trade-precreate.js';
import { messagePage, statusBadge } from './html.js';

export function registerQr(router: Router, ctx: SandboxContext): void {
  router.on('GET', /^\/qr\/(?<token>[A-Za-z0-9_-]+)$/, (req) => scan(ctx, req));
}

function scan(ctx: SandboxContext, req: SandboxRequest): SandboxResponse {
  const qr = qrCodeOf(ctx, req.params.token ?? '');
  if (!qr) return messagePage('二维码无效', '这个二维码不存在 (unknown QR code)', '', 404);
  const trade = ctx.ledger.trade(qr.tradeNo);
  if (!trade) return messagePage('二维码无效', '交易不存在 (no trade behind this code)', '', 404);
  if (trade.status !== 'WAIT_BUYER_PAY') {
    return messagePage('无法付款', '该二维码对应的交易已结束 (the trade is no longer waiting)', `<p>${statusBadge(trade.status)}</p>`, 410);
  }
  if (qr.expiresAt <= ctx.clock.now().toISOString()) return messagePage('二维码已过期', '二维码已过期，请让商家重新生成 (the QR code has expired)', '', 410);
  return { status: 302, headers: { location: `/cashier/${encodeURIComponent(trade.tradeNo)}`, 'cache-control': 'no-store' }, body: '' };
}
