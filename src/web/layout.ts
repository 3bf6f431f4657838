/**
 * The frame every zfb page shares (checkout now; the store cashier and the admin dashboard use the
 * same): one HTML document, its CSS inline (no external assets: a shop's page works on a phone
 * with a poor connection and behind any firewall), a header with the merchant's name and a footer
 * with the language switch. Mobile first: readable at 360 px, a card centred on wider screens.
 */
import { esc } from './escape.js';
import { withLang, type Lang } from './i18n.js';

export interface LayoutInput {
  lang: Lang;
  title: string;
  /** Shown in the header (the merchant's name). */
  brand: string;
  /** The page's own markup, already escaped. */
  body: string;
  /** Extra markup for <head> (scripts), already escaped. */
  head?: string;
  /** Extra CSS for this page. */
  css?: string;
  /** The current path and query, for the language switch. */
  href: string;
}

const BASE_CSS = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f2f4f7;color:#1f2329;font:15px/1.5 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif}
a{color:#1677ff}
.top{background:#1677ff;color:#fff;padding:12px 16px;display:flex;align-items:center;gap:10px}
.top .logo{width:28px;height:28px;border-radius:7px;background:#fff;color:#1677ff;font-weight:700;display:flex;align-items:center;justify-content:center;flex:none}
.top .brand{font-size:16px;font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
main{max-width:560px;margin:0 auto;padding:16px}
.card{background:#fff;border-radius:12px;padding:20px 16px;box-shadow:0 1px 2px rgba(0,0,0,.06);margin-bottom:12px}
.muted{color:#646a73;font-size:13px}
.btn{display:block;width:100%;border:0;border-radius:8px;padding:13px 16px;font:inherit;font-size:16px;font-weight:600;text-align:center;text-decoration:none;cursor:pointer;background:#1677ff;color:#fff}
.btn:active{background:#0958d9}
.btn.secondary{background:#fff;color:#1677ff;border:1px solid #1677ff}
.btn+.btn{margin-top:10px}
footer{max-width:560px;margin:0 auto;padding:8px 16px 24px;display:flex;justify-content:space-between;gap:12px;flex-wrap:wrap}
footer a{text-decoration:none}
`;

export function layout(p: LayoutInput): string {
  const other: Lang = p.lang === 'zh' ? 'en' : 'zh';
  const switchLabel = other === 'en' ? 'English' : '中文';
  return `<!doctype html>
<html lang="${p.lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(p.title)}</title>
<style>${BASE_CSS}${p.css ?? ''}</style>
${p.head ?? ''}</head><body>
<header class="top"><span class="logo" aria-hidden="true">支</span><span class="brand">${esc(p.brand)}</span></header>
<main>${p.body}</main>
<footer class="muted"><span>${p.lang === 'zh' ? '支付由支付宝完成' : 'Payment by Alipay'}</span><a href="${esc(withLang(p.href, other))}" lang="${other === 'zh' ? 'zh-CN' : 'en'}">${switchLabel}</a></footer>
</body></html>`;
}
