/**
 * The sandbox pages' shell: one inline stylesheet (no external assets), a viewport meta so the
 * cashier and OAuth screens work on a phone, Chinese text with English hints, and the escaping
 * every page uses for values that came from a merchant or a buyer.
 */
import type { SandboxResponse } from '../http/router.js';
import type { TradeStatus } from '../state/model.js';

/** Escapes text for HTML content and double- or single-quoted attributes. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Fen → "12.34" for display (zero and any whole number of fen included, unlike fenToYuan). */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const s = String(Math.abs(Math.trunc(fen))).padStart(3, '0');
  return `${sign}${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** A JSON value safe to put inside `<script type="application/json">` or a script literal. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export const STATUS_TEXT: Record<TradeStatus, string> = {
  WAIT_BUYER_PAY: '等待付款',
  TRADE_SUCCESS: '支付成功',
  TRADE_FINISHED: '交易完成',
  TRADE_CLOSED: '交易关闭',
};

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 -apple-system,BlinkMacSystemFont,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif;background:#f5f6f8;color:#1f2329}
a{color:#1677ff;text-decoration:none}a:hover{text-decoration:underline}
header.bar{background:#1677ff;color:#fff;padding:10px 16px;display:flex;align-items:center;gap:10px}
header.bar .logo{font-weight:700;font-size:17px}header.bar .tag{font-size:12px;background:rgba(255,255,255,.2);border-radius:10px;padding:1px 8px}
header.bar nav{margin-left:auto;font-size:13px}header.bar nav a{color:#fff;margin-left:12px}
main{max-width:480px;margin:0 auto;padding:16px}
main.wide{max-width:1180px}
.card{background:#fff;border-radius:10px;padding:16px;margin-bottom:14px;box-shadow:0 1px 2px rgba(0,0,0,.05)}
h1{font-size:20px;margin:0 0 10px}h2{font-size:16px;margin:0 0 10px}
.en{color:#8a919f;font-size:12px;font-weight:400}
.muted{color:#8a919f;font-size:13px}
.amount{font-size:34px;font-weight:600;text-align:center;margin:6px 0}.amount small{font-size:18px}
.center{text-align:center}
dl.kv{display:grid;grid-template-columns:auto 1fr;gap:4px 12px;margin:0;font-size:14px}dl.kv dt{color:#8a919f}dl.kv dd{margin:0;word-break:break-all}
label{display:block;margin:10px 0 4px;font-size:14px}
input[type=text],input[type=password],select{width:100%;padding:10px 12px;border:1px solid #d0d3d9;border-radius:8px;font-size:16px;background:#fff}
button,.btn{display:block;width:100%;margin-top:14px;padding:12px;border:0;border-radius:8px;background:#1677ff;color:#fff;font-size:16px;text-align:center;cursor:pointer}
button.secondary,.btn.secondary{background:#eef0f3;color:#1f2329}
.error{background:#fff1f0;border:1px solid #ffccc7;color:#cf1322;border-radius:8px;padding:10px 12px;margin:10px 0}
.ok{background:#f6ffed;border:1px solid #b7eb8f;color:#389e0d;border-radius:8px;padding:10px 12px;margin:10px 0}
.hint{background:#fffbe6;border:1px solid #ffe58f;border-radius:8px;padding:10px 12px;font-size:13px;margin-top:14px}
.hint table{width:100%;border-collapse:collapse}.hint td,.hint th{padding:3px 4px;text-align:left;font-size:13px}
table.grid{width:100%;border-collapse:collapse;font-size:13px}
table.grid th,table.grid td{padding:6px 8px;border-bottom:1px solid #eef0f3;text-align:left;white-space:nowrap}
table.grid th{color:#8a919f;font-weight:500;background:#fafbfc}
.scroll{overflow-x:auto}
.num{text-align:right;font-variant-numeric:tabular-nums}
.st{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px}
.st-WAIT_BUYER_PAY{background:#fff7e6;color:#d46b08}.st-TRADE_SUCCESS{background:#f6ffed;color:#389e0d}
.st-TRADE_FINISHED{background:#e6f4ff;color:#0958d9}.st-TRADE_CLOSED{background:#f5f5f5;color:#8c8c8c}
.st-delivered{background:#f6ffed;color:#389e0d}.st-pending{background:#fff7e6;color:#d46b08}.st-gave-up,.st-dropped{background:#fff1f0;color:#cf1322}
.code-digits{font:600 clamp(17px,6vw,26px)/1.2 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:1px;white-space:nowrap;text-align:center;margin:8px 0}
.barcode{display:block;width:100%;height:96px;background:#fff}
details summary{cursor:pointer;color:#8a919f;font-size:13px;margin-top:12px}
code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f2f3f5;border-radius:4px;padding:0 4px;word-break:break-all}
footer{color:#8a919f;font-size:12px;text-align:center;padding:16px}
`;

export interface PageOptions {
  /** Reload the page every N seconds (meta refresh). */
  refreshSeconds?: number;
  /** Wide layout (dashboard). */
  wide?: boolean;
  /** Bridge mode (inside the JS bridge's overlay): no header, no footer. */
  bridge?: boolean;
  /** Extra markup for <head> (small inline scripts). */
  head?: string;
}

/** A whole HTML document around `body`. */
export function page(title: string, body: string, options: PageOptions = {}): string {
  const refresh = options.refreshSeconds ? `<meta http-equiv="refresh" content="${options.refreshSeconds}">` : '';
  const header = options.bridge
    ? ''
    : `<header class="bar"><span class="logo">支付宝</span><span class="tag">zfb sandbox 沙箱</span><nav><a href="/dashboard">控制台</a><a href="/wallet">钱包</a></nav></header>`;
  const footer = options.bridge ? '' : `<footer>zfb sandbox — 离线模拟的支付宝，仅供开发测试 (an offline Alipay for development; no real money)</footer>`;
  return (
    `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1,maximum-scale=1">` +
    `${refresh}<title>${esc(title)}</title><style>${CSS}</style>${options.head ?? ''}</head>` +
    `<body>${header}<main${options.wide ? ' class="wide"' : ''}>${body}</main>${footer}</body></html>`
  );
}

/** An HTML answer, with extra headers (Set-Cookie). */
export function htmlResponse(body: string, status = 200, headers: Record<string, string> = {}): SandboxResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...headers }, body };
}

/** A page that only says something went wrong (unknown trade, bad OAuth link...). */
export function messagePage(title: string, message: string, detail = '', status = 400, options: PageOptions = {}): SandboxResponse {
  return htmlResponse(page(title, `<div class="card"><h1>${esc(title)}</h1><div class="error">${esc(message)}</div>${detail}</div>`, options), status);
}

/** `<span class="st st-STATUS">中文 STATUS</span>` */
export function statusBadge(status: TradeStatus): string {
  return `<span class="st st-${status}">${STATUS_TEXT[status]} <span class="en">${status}</span></span>`;
}
