/**
 * The hosted checkout page (GET /checkout/{id}), rendered on the server from a model the checkout
 * routes build: the order, where it stands, and the ways to pay offered to this buyer (in the
 * Alipay app: tradePay; a phone browser: wap; a desktop: a QR code beside page pay). Every state
 * has its panel in the markup and CSS shows the one `data-checkout-state` names, so the script
 * only changes that attribute (script.ts).
 */
import QRCode from 'qrcode';
import { fenToYuan } from '../../alipay/money.js';
import { esc, scriptJson } from '../escape.js';
import type { Lang } from '../i18n.js';
import { layout } from '../layout.js';
import { CHECKOUT_SCRIPT } from './script.js';
import { TEXTS, type CheckoutState, type OtherVia, type PageVia } from './texts.js';

export type { CheckoutState, PageVia, OtherVia };

/** Where the browser helper is served (src/server/checkout/helper-script.ts). */
export const HELPER_PATH = '/zfb/tradepay.js';

export interface CheckoutPageModel {
  lang: Lang;
  merchantName: string;
  order: { id: string; subject: string; amountFen: number; expiresAt: string };
  state: CheckoutState;
  failure?: { code: string; message: string };
  via: PageVia;
  actions: { wapUrl?: string; pagePayUrl?: string; qr?: { text: string }; jsapi?: { tradeNo: string; resultUrl: string } };
  statusUrl: string;
  returnUrl?: string;
  bridgeScriptUrl?: string;
  otherWays?: { via: OtherVia; href: string }[];
  /** The page's own path and query (for the language switch). */
  href: string;
}

const FINAL: CheckoutState[] = ['paid', 'expired', 'closed'];
const ALL_STATES = Object.keys(TEXTS.zh.states) as CheckoutState[];

/** Yuan with two places and thousands separators, from integer fen (no float ever holds the amount). */
function yuan(fen: number): string {
  const [whole = '0', cents = '00'] = fenToYuan(fen).split('.');
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
}

const CSS = `
.order{text-align:center}
.order .subject{font-size:15px;color:#1f2329;word-break:break-word}
.order .label{margin-top:8px}
.order .amount{font-size:36px;font-weight:700;letter-spacing:.5px;margin:2px 0 6px;font-variant-numeric:tabular-nums}
.order .amount small{font-size:20px;font-weight:600;margin-right:2px}
.order .meta{display:flex;justify-content:center;gap:6px 14px;flex-wrap:wrap}
.order .id{word-break:break-all}
.status{display:flex;gap:12px;align-items:flex-start}
.status .icon{width:36px;height:36px;border-radius:50%;flex:none;display:flex;align-items:center;justify-content:center;color:#fff;font-weight:700;font-size:18px;background:#1677ff}
.status h2{margin:4px 0 2px;font-size:17px}
.status p{margin:0;color:#646a73;font-size:14px}
.status .failure{color:#d4380d;margin-top:4px;word-break:break-word}
.panel{display:none}
${ALL_STATES.map((s) => `.co[data-checkout-state="${s}"] .panel[data-panel="${s}"]`).join(',')}{display:flex}
.co[data-checkout-state="paid"] .icon{background:#52c41a}
.co[data-checkout-state="failed"] .icon,.co[data-checkout-state="network"] .icon{background:#ff4d4f}
.co[data-checkout-state="cancelled"] .icon,.co[data-checkout-state="expired"] .icon,.co[data-checkout-state="closed"] .icon{background:#8f959e}
.co[data-checkout-state="confirming"] .icon{background:#faad14}
.spin{animation:spin 1.2s linear infinite;display:inline-block}
@keyframes spin{to{transform:rotate(360deg)}}
${FINAL.map((s) => `.co[data-checkout-state="${s}"] .open-only`).join(',')}{display:none}
.paid-only,.ended-only{display:none}
.co[data-checkout-state="paid"] .paid-only,.co[data-checkout-state="expired"] .ended-only,.co[data-checkout-state="closed"] .ended-only{display:inline}
.back{display:none}
${FINAL.map((s) => `.co[data-checkout-state="${s}"] .back`).join(',')}{display:block}
.ways{display:grid;gap:16px}
.ways.two{grid-template-columns:1fr}
@media (min-width:600px){.ways.two{grid-template-columns:1fr 1fr}}
.way h3{margin:0 0 10px;font-size:15px}
.qr{text-align:center}
.qr svg{width:200px;height:200px;display:block;margin:0 auto 8px;border:1px solid #e5e6eb;border-radius:8px;padding:6px;background:#fff}
.page-pay{display:flex;flex-direction:column;justify-content:center}
.page-pay p{margin:0 0 12px}
[data-action="retry"] .again{display:none}
.co[data-checkout-state="cancelled"] [data-action="retry"] .again,.co[data-checkout-state="failed"] [data-action="retry"] .again,.co[data-checkout-state="network"] [data-action="retry"] .again{display:inline}
.co[data-checkout-state="cancelled"] [data-action="retry"] .now,.co[data-checkout-state="failed"] [data-action="retry"] .now,.co[data-checkout-state="network"] [data-action="retry"] .now{display:none}
.co[data-checkout-state="confirming"] [data-action="retry"]{display:none}
.other{text-align:center;margin:4px 0 0}
.other a{margin:0 6px;white-space:nowrap}
`;

const ICONS: Record<CheckoutState, string> = {
  waiting: '¥',
  confirming: '<span class="spin">↻</span>',
  paid: '✓',
  cancelled: '↺',
  failed: '!',
  network: '!',
  expired: '⏱',
  closed: '×',
};

async function qrSvg(text: string): Promise<string> {
  // qrcode draws the symbol; error correction M survives a phone camera at an angle.
  return QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
}

export async function renderCheckoutPage(m: CheckoutPageModel): Promise<string> {
  const t = TEXTS[m.lang];
  const open = !FINAL.includes(m.state);
  const a = m.actions;

  const panels = ALL_STATES.map((s) => {
    const text = s === 'waiting' ? t.waiting[m.via] : t.states[s].text;
    const failure = s === 'failed' ? `<p class="failure" data-failure>${m.failure ? esc(`${m.failure.message} (${m.failure.code})`) : ''}</p>` : '';
    return `<div class="panel status" data-panel="${s}"><span class="icon" aria-hidden="true">${ICONS[s]}</span><div><h2>${esc(t.states[s].heading)}</h2><p>${esc(text)}</p>${failure}</div></div>`;
  }).join('');

  const ways: string[] = [];
  if (open && a.qr) {
    ways.push(`<div class="way qr" data-action="qr" data-text="${esc(a.qr.text)}"><h3>${esc(t.scanTitle)}</h3>${await qrSvg(a.qr.text)}<p class="muted">${esc(t.scanHint)}</p></div>`);
  }
  if (open && a.pagePayUrl) {
    ways.push(`<div class="way page-pay"><h3>${esc(t.payPageTitle)}</h3><p class="muted">${esc(t.payPageHint)}</p><a class="btn" data-action="page" href="${esc(a.pagePayUrl)}">${esc(t.payPage)}</a></div>`);
  }
  if (open && a.wapUrl) ways.push(`<a class="btn" data-action="wap" href="${esc(a.wapUrl)}">${esc(t.payWap)}</a>`);
  if (open && a.jsapi) {
    ways.push(`<button class="btn" type="button" data-action="retry"><span class="now">${esc(t.payNow)}</span><span class="again">${esc(t.payAgain)}</span></button>`);
  }
  const waysHtml = ways.length ? `<section class="card open-only"><div class="ways${ways.length > 1 ? ' two' : ''}">${ways.join('')}</div></section>` : '';

  const others = open && m.otherWays?.length
    ? `<p class="other muted open-only" data-other>${esc(t.otherWays)}：${m.otherWays.map((w) => `<a href="${esc(w.href)}">${esc(t.via[w.via])}</a>`).join('')}</p>`
    : '';
  const back = m.returnUrl ? `<section class="back"><a class="btn secondary" data-return href="${esc(m.returnUrl)}">${esc(t.back)}</a></section>` : '';

  const model = {
    statusUrl: m.statusUrl,
    expiresAt: m.order.expiresAt,
    jsapi: a.jsapi && open ? { ...a.jsapi, helperUrl: HELPER_PATH } : null,
  };
  const body = `<div class="co" id="co" data-checkout-state="${m.state}">
<section class="card order"><div class="subject">${esc(m.order.subject)}</div>
<div class="muted label"><span class="open-only">${esc(t.amountDue)}</span><span class="paid-only">${esc(t.amountPaid)}</span><span class="ended-only">${esc(t.amountOfOrder)}</span></div>
<div class="amount"><small>¥</small>${yuan(m.order.amountFen)}</div>
<div class="meta muted"><span class="id">${esc(t.orderNo)} ${esc(m.order.id)}</span><span class="open-only">${esc(t.timeLeft)} <b data-countdown></b></span></div></section>
<section class="card">${panels}</section>
${waysHtml}${back}${others}
</div>
<script type="application/json" id="co-model">${scriptJson(model)}</script>
<script type="module">${CHECKOUT_SCRIPT}</script>`;
  const head = m.bridgeScriptUrl && open ? `<script src="${esc(m.bridgeScriptUrl)}"></script>` : '';
  return layout({ lang: m.lang, title: `${t.title} · ${m.merchantName}`, brand: m.merchantName, body, head, css: CSS, href: m.href });
}

export type MessageKind = keyof (typeof TEXTS)['zh']['messages'];

/** A page that only says something (unknown order, a link that does not verify, Alipay down). */
export function renderMessagePage(p: { lang: Lang; kind: MessageKind; brand: string; href: string; retryHref?: string }): string {
  const t = TEXTS[p.lang];
  const msg = t.messages[p.kind];
  const retry = p.retryHref ? `<a class="btn" href="${esc(p.retryHref)}">${esc(t.reload)}</a>` : '';
  const body = `<section class="card"><div class="status" data-message="${p.kind}"><span class="icon" aria-hidden="true" style="background:#8f959e">!</span><div><h2>${esc(msg.heading)}</h2><p>${esc(msg.text)}</p></div></div></section>${retry}`;
  return layout({ lang: p.lang, title: msg.heading, brand: p.brand, body, css: CSS, href: p.href });
}
