/**
 * The buyer-facing pages of the simplest checkout: small, plain HTML for a phone browser, every
 * value escaped. A later issue builds the real checkout; these only say where the order stands.
 */
import type { FastifyReply } from 'fastify';
import { fenToYuan } from '../../alipay/index.js';
import type { Order } from '../orders/model.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

export function page(title: string, bodyHtml: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#222}h1{font-size:1.3rem}.amount{font-size:1.6rem;font-weight:600}.muted{color:#666;font-size:.9rem}a.button{display:inline-block;margin-top:1rem;padding:.6rem 1.2rem;background:#1677ff;color:#fff;border-radius:6px;text-decoration:none}</style>
</head><body>
${bodyHtml}
</body></html>`;
}

export function sendPage(reply: FastifyReply, status: number, title: string, bodyHtml: string): FastifyReply {
  return reply.status(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page(title, bodyHtml));
}

const orderLines = (o: Order) => `<p>${esc(o.subject)}</p><p class="amount">¥${fenToYuan(o.amountFen)}</p><p class="muted">订单号 / Order ${esc(o.id)}</p>`;

/** Where the merchant wants the buyer back, with the order id and status appended. */
export function merchantReturnUrl(o: Order): string | undefined {
  if (!o.returnUrl) return undefined;
  try {
    const u = new URL(o.returnUrl);
    u.searchParams.set('order_id', o.id);
    u.searchParams.set('status', o.status);
    return u.toString();
  } catch {
    return undefined;
  }
}

const backLink = (o: Order) => {
  const url = merchantReturnUrl(o);
  return url ? `<a class="button" href="${esc(url)}">返回商户 / Back to the shop</a>` : '';
};

/** The order as it stands: paid, closed, waiting. */
export function orderStatusPage(reply: FastifyReply, o: Order, note = ''): FastifyReply {
  const extra = note ? `<p class="muted">${esc(note)}</p>` : '';
  switch (o.status) {
    case 'paid':
      return sendPage(reply, 200, '已支付 / Paid', `<h1>已支付 / Paid</h1>${orderLines(o)}${extra}${backLink(o)}`);
    case 'closed':
    case 'cancelled':
    case 'failed':
      return sendPage(reply, 200, '已关闭 / Closed', `<h1>已关闭 / Closed</h1>${orderLines(o)}<p>该订单已关闭，无法支付。This order is closed and can no longer be paid.</p>${extra}${backLink(o)}`);
    default:
      return sendPage(reply, 200, '支付处理中 / Processing', `<h1>支付处理中 / Processing</h1>${orderLines(o)}<p>我们尚未收到支付宝的付款确认，请稍后刷新。We have not yet had Alipay's confirmation; refresh in a moment.</p>${extra}${backLink(o)}`);
  }
}

export function expiredPage(reply: FastifyReply, o: Order): FastifyReply {
  return sendPage(reply, 200, '已关闭 / Closed', `<h1>已关闭 / Closed</h1>${orderLines(o)}<p>该订单已过支付期限。The time to pay this order has passed.</p>${backLink(o)}`);
}

export function inProgressPage(reply: FastifyReply, o: Order): FastifyReply {
  return sendPage(reply, 409, '支付处理中 / Payment in progress', `<h1>支付处理中 / Payment in progress</h1>${orderLines(o)}<p>该订单正以其他方式支付。This order is being paid another way.</p>`);
}

export function notFoundPage(reply: FastifyReply): FastifyReply {
  return sendPage(reply, 404, '订单不存在 / Not found', '<h1>订单不存在 / Order not found</h1><p>请检查链接。Check the link you followed.</p>');
}

export function invalidLinkPage(reply: FastifyReply): FastifyReply {
  return sendPage(reply, 400, '链接无效 / Invalid link', '<h1>链接无效 / This link is not valid</h1><p>这个支付宝返回链接无法验证。This Alipay return link could not be verified.</p>');
}

export function errorPage(reply: FastifyReply): FastifyReply {
  return sendPage(reply, 500, '暂时无法支付 / Cannot pay now', '<h1>暂时无法支付 / Cannot start the payment</h1><p>请稍后再试。Please try again in a moment.</p>');
}
