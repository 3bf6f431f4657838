/**
 * The buyer's wallet: `/wallet` lists the sandbox buyers; `/wallet/<userId>` shows one buyer's
 * balance, their recent trades and refunds, and a fresh payment code (付款码) for barcode pay
 * (alipay.trade.pay): 18 digits as text and as a Code 128 barcode. The page reloads every minute
 * and shows a new code each time (Ledger.issuePaymentCode; a code stays valid PAYMENT_CODE_TTL_MS
 * and works once). The JSON way to get a code is the admin API's, not this page's.
 */
import type { SandboxContext } from '../context.js';
import type { Router, SandboxRequest, SandboxResponse } from '../http/router.js';
import { PAYMENT_CODE_TTL_MS } from '../state/ledger.js';
import type { Buyer } from '../state/model.js';
import { openIdFor } from '../ids.js';
import { formatAlipayTime } from '../../alipay/time.js';
import { esc, htmlResponse, messagePage, page, statusBadge, yuan } from './html.js';
import { code128Svg } from './code128.js';

export const WALLET_REFRESH_SECONDS = 60;

export function registerWallet(router: Router, ctx: SandboxContext): void {
  router.on('GET', '/wallet', () => walletList(ctx));
  router.on('GET', /^\/wallet\/(?<userId>\d+)$/, (req) => walletOf(ctx, req));
}

function walletList(ctx: SandboxContext): SandboxResponse {
  const rows = ctx.ledger
    .buyers()
    .map(
      (b) =>
        `<a class="card" style="display:block" href="/wallet/${esc(b.userId)}"><b>${esc(b.name)}</b> <span class="muted">${esc(b.logonId)}</span>` +
        `<div class="num" style="font-size:20px">¥${yuan(b.balanceFen)}</div><div class="muted">${esc(b.userId)}</div></a>`,
    )
    .join('');
  return htmlResponse(page('钱包 - 选择买家', `<h1>选择买家 <span class="en">choose a buyer</span></h1>${rows}`));
}

const groupDigits = (code: string) => code.replace(/(\d{4})(?=\d)/g, '$1 ');

function walletOf(ctx: SandboxContext, req: SandboxRequest): SandboxResponse {
  const buyer = ctx.ledger.buyer(req.params.userId ?? '');
  if (!buyer) return messagePage('买家不存在', `没有这个买家 (no buyer ${req.params.userId ?? ''})`, '<p><a href="/wallet">选择买家 choose a buyer</a></p>', 404);
  const code = ctx.ledger.issuePaymentCode(buyer.userId);
  const body =
    `<div class="card"><h1>${esc(buyer.name)}</h1><dl class="kv"><dt>账户</dt><dd>${esc(buyer.logonId)}</dd><dt>user_id</dt><dd><code>${esc(buyer.userId)}</code></dd>` +
    `<dt>余额 <span class="en">balance</span></dt><dd><b style="font-size:20px">¥${yuan(buyer.balanceFen)}</b></dd></dl></div>` +
    `<div class="card"><h2>付款码 <span class="en">payment code (barcode pay: auth_code)</span></h2>${code128Svg(code.code)}` +
    `<div class="code-digits" id="zfb-code">${groupDigits(code.code)}</div>` +
    `<p class="muted center">每分钟自动刷新，单次有效，${Math.round(PAYMENT_CODE_TTL_MS / 60_000)} 分钟内有效 ` +
    `<span class="en">refreshes every minute; single use; valid ${Math.round(PAYMENT_CODE_TTL_MS / 60_000)} min (until ${esc(formatAlipayTime(new Date(code.expiresAt)))})</span> ` +
    `<span id="zfb-countdown"></span></p></div>` +
    openIds(ctx, buyer) +
    history(ctx, buyer) +
    `<p class="center"><a href="/wallet">其他买家 <span class="en">other buyers</span></a></p>` +
    `<script>(function(){var n=${WALLET_REFRESH_SECONDS},el=document.getElementById('zfb-countdown');setInterval(function(){n--;if(el)el.textContent='('+Math.max(n,0)+'s)';},1000);})();</script>`;
  return htmlResponse(page(`钱包 - ${buyer.name}`, body, { refreshSeconds: WALLET_REFRESH_SECONDS }));
}

function openIds(ctx: SandboxContext, buyer: Buyer): string {
  const apps = ctx.ledger.apps().filter((a) => a.openIdMode);
  if (apps.length === 0) return '';
  const rows = apps.map((a) => `<tr><td>${esc(a.appId)}</td><td><code>${esc(openIdFor(ctx.identity.secret, a.appId, buyer.userId))}</code></td></tr>`).join('');
  return `<div class="card"><h2>open_id <span class="en">per openid-mode app</span></h2><div class="scroll"><table class="grid"><tr><th>app_id</th><th>open_id</th></tr>${rows}</table></div></div>`;
}

function history(ctx: SandboxContext, buyer: Buyer): string {
  const trades = ctx.ledger
    .trades()
    .filter((t) => t.buyerUserId === buyer.userId)
    .slice(0, 20);
  const refunds = ctx.ledger
    .refunds()
    .filter((r) => trades.some((t) => t.tradeNo === r.tradeNo))
    .slice(0, 20);
  const tradeRows = trades
    .map((t) => `<tr><td>${esc(formatAlipayTime(new Date(t.paidAt ?? t.createdAt)))}</td><td>${esc(t.subject)}</td><td class="num">-¥${yuan(t.totalFen)}</td><td>${statusBadge(t.status)}</td></tr>`)
    .join('');
  const refundRows = refunds.map((r) => `<tr><td>${esc(formatAlipayTime(new Date(r.createdAt)))}</td><td>退款 ${esc(r.outTradeNo)}</td><td class="num">+¥${yuan(r.amountFen)}</td><td></td></tr>`).join('');
  return (
    `<div class="card"><h2>账单 <span class="en">recent trades and refunds</span></h2>` +
    (tradeRows || refundRows
      ? `<div class="scroll"><table class="grid"><tr><th>时间</th><th>说明</th><th class="num">金额</th><th>状态</th></tr>${tradeRows}${refundRows}</table></div>`
      : '<p class="muted">暂无交易 <span class="en">no trades yet</span></p>') +
    `</div>`
  );
}
