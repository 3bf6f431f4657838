/**
 * The sandbox dashboard, `/` and `/dashboard`: where to point an SDK (gateway, OAuth page, JS
 * bridge, keys in sandbox.json), the apps, the buyers and their balances, recent trades, refunds
 * and notify deliveries (from the notify sender when it runs, else from the stored tasks). It
 * reloads itself every few seconds. Read-only: changes go through the admin API.
 */
import type { SandboxContext } from '../context.js';
import type { Router, SandboxResponse } from '../http/router.js';
import { C, type NotifyTask } from '../state/model.js';
import { formatAlipayTime } from '../../alipay/time.js';
import { maskLogon } from '../ids.js';
import { esc, htmlResponse, page, statusBadge, yuan } from './html.js';
import { OAUTH_PATH } from './oauth.js';

export const DASHBOARD_REFRESH_SECONDS = 5;
const RECENT = 50;

export function registerDashboard(router: Router, ctx: SandboxContext): void {
  router.on('GET', '/', () => dashboard(ctx));
  router.on('GET', '/dashboard', () => dashboard(ctx));
}

const time = (iso: string | undefined) => (iso ? esc(formatAlipayTime(new Date(iso))) : '');

function notifyTasks(ctx: SandboxContext): NotifyTask[] {
  const fromNotifier = ctx.notifier?.tasks();
  const tasks: NotifyTask[] = fromNotifier ?? ctx.store.all<NotifyTask>(C.notifies);
  return [...tasks].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, RECENT);
}

function table(head: string[], rows: string[], empty: string): string {
  if (rows.length === 0) return `<p class="muted">${empty}</p>`;
  return `<div class="scroll"><table class="grid"><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>${rows.join('')}</table></div>`;
}

function dashboard(ctx: SandboxContext): SandboxResponse {
  const base = ctx.baseUrl;
  const apps = ctx.ledger.apps();
  const buyers = ctx.ledger.buyers();
  const trades = ctx.ledger.trades().slice(0, RECENT);
  const refunds = ctx.ledger.refunds().slice(0, RECENT);
  const tasks = notifyTasks(ctx);
  const buyerName = (userId: string | undefined) => {
    const b = userId ? buyers.find((x) => x.userId === userId) : undefined;
    return b ? `<a href="/wallet/${esc(b.userId)}">${esc(maskLogon(b.logonId))}</a>` : '';
  };

  const endpoints =
    `<div class="card"><h2>接入信息 <span class="en">endpoints</span></h2><dl class="kv">` +
    `<dt>网关 gateway</dt><dd><code>${esc(base)}/gateway.do</code></dd>` +
    `<dt>授权页 OAuth</dt><dd><code>${esc(base)}${OAUTH_PATH}</code></dd>` +
    `<dt>JS bridge</dt><dd><code>&lt;script src="${esc(base)}/jsbridge.js"&gt;&lt;/script&gt;</code></dd>` +
    `<dt>钱包 wallet</dt><dd><a href="/wallet">/wallet</a> <span class="en">payment codes for barcode pay</span></dd>` +
    `<dt>管理 admin</dt><dd><code>${esc(base)}/admin</code></dd>` +
    `</dl><p class="muted">密钥见状态目录中的 sandbox.json <span class="en">keys: sandbox.json in the state directory</span></p></div>`;

  const appRows = apps.map(
    (a) =>
      `<tr><td><code>${esc(a.appId)}</code></td><td>${esc(a.name)}</td><td>${a.appCertSn ? '证书 cert' : '公钥 key'}</td><td>${esc(a.signType)}</td>` +
      `<td>${a.openIdMode ? 'openid' : 'user_id'}</td><td><code>${esc(a.sellerId)}</code></td><td>${esc(a.notifyUrl ?? '')}</td><td>${esc(a.redirectUris.join(' ') || '(any)')}</td></tr>`,
  );
  const buyerRows = buyers.map(
    (b) =>
      `<tr><td><a href="/wallet/${esc(b.userId)}">${esc(b.name)}</a></td><td>${esc(b.logonId)}</td><td><code>${esc(b.password)}</code></td><td><code>${esc(b.userId)}</code></td><td class="num">¥${yuan(b.balanceFen)}</td></tr>`,
  );
  const tradeRows = trades.map(
    (t) =>
      `<tr><td>${time(t.createdAt)}</td><td><code>${esc(t.tradeNo)}</code></td><td>${esc(t.outTradeNo)}</td><td>${esc(t.method.replace(/^alipay\.trade\./, ''))}</td>` +
      `<td>${esc(t.subject)}</td><td class="num">¥${yuan(t.totalFen)}</td><td class="num">${t.refundedFen ? `¥${yuan(t.refundedFen)}` : ''}</td><td>${statusBadge(t.status)}</td>` +
      `<td>${buyerName(t.buyerUserId)}</td><td><code>${esc(t.appId)}</code></td>` +
      `<td>${t.status === 'WAIT_BUYER_PAY' ? `<a href="/cashier/${esc(t.tradeNo)}">收银台 pay</a>` : ''}</td></tr>`,
  );
  const refundRows = refunds.map(
    (r) => `<tr><td>${time(r.createdAt)}</td><td><code>${esc(r.tradeNo)}</code></td><td>${esc(r.outTradeNo)}</td><td>${esc(r.outRequestNo)}</td><td class="num">¥${yuan(r.amountFen)}</td><td>${esc(r.reason ?? '')}</td></tr>`,
  );
  const taskRows = tasks.map((t) => {
    const last = t.attempts[t.attempts.length - 1];
    return (
      `<tr><td>${time(t.createdAt)}</td><td><span class="st st-${esc(t.state)}">${esc(t.state)}</span></td><td>${esc(t.params.trade_status ?? '')}</td><td><code>${esc(t.tradeNo)}</code></td>` +
      `<td class="num">${t.attempts.length}</td><td>${last ? `${esc(last.status ?? '—')} ${esc(last.answer.slice(0, 60))}` : ''}</td><td>${time(t.nextAt)}</td><td>${esc(t.url)}</td></tr>`
    );
  });

  const body =
    `<h1>zfb sandbox 控制台 <span class="en">dashboard — refreshes every ${DASHBOARD_REFRESH_SECONDS}s; ${time(ctx.clock.now().toISOString())} (Asia/Shanghai)</span></h1>` +
    endpoints +
    `<div class="card"><h2>应用 <span class="en">apps</span></h2>${table(['app_id', '名称', '模式', 'sign', 'id', 'seller_id', 'notify_url', 'redirect_uri'], appRows, '没有应用')}</div>` +
    `<div class="card"><h2>买家 <span class="en">buyers</span></h2>${table(['名字', '账户', '密码', 'user_id', '余额'], buyerRows, '没有买家')}</div>` +
    `<div class="card"><h2>交易 <span class="en">recent trades</span></h2>${table(['创建', 'trade_no', 'out_trade_no', '方式', '商品', '金额', '已退', '状态', '买家', 'app', ''], tradeRows, '暂无交易 no trades yet')}</div>` +
    `<div class="card"><h2>退款 <span class="en">refunds</span></h2>${table(['时间', 'trade_no', 'out_trade_no', 'out_request_no', '金额', '原因'], refundRows, '暂无退款 no refunds yet')}</div>` +
    `<div class="card"><h2>异步通知 <span class="en">notify deliveries${ctx.notifier ? '' : ' (notify sender not running)'}</span></h2>${table(['创建', '状态', 'trade_status', 'trade_no', '次数', '最近应答', '下次', 'notify_url'], taskRows, '暂无通知 no notifies yet')}</div>`;
  return htmlResponse(page('zfb sandbox 控制台', body, { wide: true, refreshSeconds: DASHBOARD_REFRESH_SECONDS }));
}
