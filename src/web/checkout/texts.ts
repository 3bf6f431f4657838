/** Every word the checkout page says, in Chinese (the default) and English. */
import type { Lang } from '../i18n.js';

export type CheckoutState = 'waiting' | 'confirming' | 'paid' | 'cancelled' | 'failed' | 'network' | 'expired' | 'closed';
export type PageVia = 'alipay' | 'wap' | 'desktop';
export type OtherVia = 'wap' | 'page' | 'qr' | 'alipay';

export interface CheckoutTexts {
  title: string;
  amountDue: string;
  amountPaid: string;
  amountOfOrder: string;
  orderNo: string;
  timeLeft: string;
  waiting: Record<PageVia, string>;
  states: Record<CheckoutState, { heading: string; text: string }>;
  payWap: string;
  payPage: string;
  payPageTitle: string;
  payPageHint: string;
  scanTitle: string;
  scanHint: string;
  payNow: string;
  payAgain: string;
  back: string;
  otherWays: string;
  via: Record<OtherVia, string>;
  messages: Record<'not_found' | 'invalid_oauth' | 'invalid_return' | 'error', { heading: string; text: string }>;
  reload: string;
}

export const TEXTS: Record<Lang, CheckoutTexts> = {
  zh: {
    title: '支付订单',
    amountDue: '应付金额',
    amountPaid: '已付金额',
    amountOfOrder: '订单金额',
    orderNo: '订单号',
    timeLeft: '剩余支付时间',
    waiting: {
      alipay: '正在打开支付宝收银台，请在弹出的页面完成付款。',
      wap: '点击下面的按钮，跳转到支付宝完成付款。',
      desktop: '请用手机支付宝扫码，或登录支付宝账户付款。',
    },
    states: {
      waiting: { heading: '待支付', text: '' },
      confirming: { heading: '正在确认付款', text: '正在向支付宝确认付款结果，请稍候，不要重复付款。' },
      paid: { heading: '支付成功', text: '付款已完成，感谢您的购买。' },
      cancelled: { heading: '已取消付款', text: '您取消了付款，订单仍可支付。' },
      failed: { heading: '付款失败', text: '可以重新支付，或换一种方式付款。' },
      network: { heading: '网络异常', text: '网络连接不稳定，请检查网络后重新支付。' },
      expired: { heading: '订单已过期', text: '已超过支付期限，该订单无法再支付。如需购买，请回到商户重新下单。' },
      closed: { heading: '订单已关闭', text: '商户已关闭该订单，无法再支付。' },
    },
    payWap: '使用支付宝付款',
    payPage: '登录支付宝账户付款',
    payPageTitle: '在电脑上付款',
    payPageHint: '没有手机在身边？跳转到支付宝网站，登录账户后付款。',
    scanTitle: '扫码付款',
    scanHint: '打开手机支付宝，使用「扫一扫」',
    payNow: '立即支付',
    payAgain: '重新支付',
    back: '返回商户',
    otherWays: '其他支付方式',
    via: { wap: '手机浏览器', page: '电脑网站', qr: '扫码', alipay: '支付宝 App 内' },
    messages: {
      not_found: { heading: '订单不存在', text: '请检查您打开的链接是否完整。' },
      invalid_oauth: { heading: '链接无效', text: '授权已失效或链接不完整，请重新打开付款链接。' },
      invalid_return: { heading: '链接无效', text: '这个支付宝返回链接无法验证，请回到付款页面查看订单状态。' },
      error: { heading: '暂时无法付款', text: '支付宝暂时没有响应，请稍后再试。' },
    },
    reload: '重试',
  },
  en: {
    title: 'Pay your order',
    amountDue: 'Amount due',
    amountPaid: 'Amount paid',
    amountOfOrder: 'Order amount',
    orderNo: 'Order',
    timeLeft: 'Time left to pay',
    waiting: {
      alipay: 'Opening the Alipay cashier: finish the payment there.',
      wap: 'Tap the button to pay in Alipay.',
      desktop: 'Scan the code with the Alipay app on your phone, or pay with an Alipay account.',
    },
    states: {
      waiting: { heading: 'Waiting for payment', text: '' },
      confirming: { heading: 'Confirming your payment', text: 'Checking the result with Alipay. Please wait and do not pay again.' },
      paid: { heading: 'Paid', text: 'Your payment is complete. Thank you.' },
      cancelled: { heading: 'Payment cancelled', text: 'You cancelled the payment. The order can still be paid.' },
      failed: { heading: 'Payment failed', text: 'Pay again, or choose another way to pay.' },
      network: { heading: 'Network problem', text: 'The connection is unstable. Check your network, then pay again.' },
      expired: { heading: 'Order expired', text: 'The time to pay this order has passed. Go back to the shop to order again.' },
      closed: { heading: 'Order closed', text: 'The shop has closed this order; it can no longer be paid.' },
    },
    payWap: 'Pay with Alipay',
    payPage: 'Pay with an Alipay account',
    payPageTitle: 'Pay on this computer',
    payPageHint: 'No phone at hand? Go to the Alipay website and log in to pay.',
    scanTitle: 'Scan to pay',
    scanHint: 'Open Alipay on your phone and tap Scan',
    payNow: 'Pay now',
    payAgain: 'Pay again',
    back: 'Back to the shop',
    otherWays: 'Other ways to pay',
    via: { wap: 'Phone browser', page: 'Desktop', qr: 'QR code', alipay: 'In the Alipay app' },
    messages: {
      not_found: { heading: 'Order not found', text: 'Check that the link you opened is complete.' },
      invalid_oauth: { heading: 'This link is not valid', text: 'The authorisation has expired or the link is incomplete: open the payment link again.' },
      invalid_return: { heading: 'This link is not valid', text: 'This Alipay return link could not be verified: go back to the payment page to see the order.' },
      error: { heading: 'Cannot pay right now', text: 'Alipay is not answering. Please try again in a moment.' },
    },
    reload: 'Try again',
  },
};
