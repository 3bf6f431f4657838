/**
 * The hosted checkout in real Chromium, against the sandbox, on PGlite and PostgreSQL: one link,
 * opened as the Alipay app (OAuth auth_base → alipay.trade.create → tradePay through the sandbox's
 * /jsbridge.js, every result code), as a phone browser (wap → the sandbox cashier → back, paid),
 * and on a desktop (page pay; the QR code paid from "the phone" while the page is open); switching
 * between them pays once; expiry and a merchant's close while the buyer looks say so. Each test
 * saves screenshots under test-artifacts/screenshots/checkout/, and the page and the order must end
 * in the state the sandbox ledger says.
 *
 * Skipped when Chromium is absent (apt-get install chromium), except in CI.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { loginCookie } from '../../src/sandbox/pages/session.js';
import { chromiumSkip, launchChromium } from '../support/chromium.js';
import { startHarness, type Harness } from './harness.js';
import { createOrder, expire, orderOf, waitFor } from './notify-support.js';
import { adminCall } from '../support/sandbox-admin.js';

const skip = chromiumSkip();
let browser: Browser | undefined;
before(async () => {
  if (!skip) browser = await launchChromium();
});
after(() => browser?.close());

const SHOTS = join(process.cwd(), 'test-artifacts', 'screenshots', 'checkout');
mkdirSync(SHOTS, { recursive: true });
const WAIT_MS = 20_000;
const options = { skip, timeout: 120_000 };

const UA = {
  alipay: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AliApp(AP/10.5.0.6000) AlipayClient/10.5.0.6000 Language/zh-Hans',
  phone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
  desktop: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
};
const VIEWPORT = { alipay: { width: 360, height: 760 }, phone: { width: 360, height: 760 }, desktop: { width: 1280, height: 800 } };

// ── what the page shows (the checkout page's contract: src/web/checkout/page.ts) ─────────────

/** The state the page shows now. */
const shownState = (page: Page) => page.locator('[data-checkout-state]').first().getAttribute('data-checkout-state');
async function pageState(page: Page, want: string | string[], timeout = WAIT_MS): Promise<string> {
  const wanted = Array.isArray(want) ? want : [want];
  const until = Date.now() + timeout;
  for (;;) {
    const s = await shownState(page);
    if (s && wanted.includes(s)) return s;
    if (Date.now() > until) assert.fail(`the page shows ${s}, not ${wanted.join(' or ')}`);
    await page.waitForTimeout(100);
  }
}

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`checkout in Chromium on ${backend}`, { concurrency: 1 }, async () => {
    const h: Harness = await startHarness({ backend, config: { sweepIntervalMs: 300 } });
    after(() => h.close());
    const ledger = h.sandbox.ctx.ledger;
    const buyer = h.sandbox.buyers[0]!;
    const trade = (outTradeNo: string) => ledger.tradeByOutTradeNo(h.sandbox.appId, outTradeNo);
    const balance = () => ledger.buyer(buyer.userId)!.balanceFen;

    /** A fresh browser as `who`; the sandbox knows the buyer (logged in to the Alipay app: auth_base is silent). */
    async function as(who: keyof typeof UA, name: string, body: (page: Page, context: BrowserContext) => Promise<void>): Promise<void> {
      const context = await browser!.newContext({ userAgent: UA[who], viewport: VIEWPORT[who], locale: 'zh-CN' });
      context.setDefaultTimeout(WAIT_MS);
      if (who === 'alipay') {
        const [cookieName, cookieValue] = loginCookie(h.sandbox.ctx, buyer.userId).split(';')[0]!.split('=') as [string, string];
        await context.addCookies([{ name: cookieName, value: cookieValue, url: h.sandbox.baseUrl }]);
      }
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      try {
        await body(page, context);
        assert.deepEqual(errors, [], 'no script errors');
      } catch (err) {
        await page.screenshot({ path: join(SHOTS, `${backend}-${name}-FAILED.png`), fullPage: true }).catch(() => {});
        throw err;
      } finally {
        await context.close();
      }
    }
    const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${backend}-${name}.png`), fullPage: true });
    const overlay = (page: Page): FrameLocator => page.locator('[data-zfb-bridge="tradePay"] iframe').contentFrame();
    async function logInAndPay(frame: FrameLocator | Page): Promise<void> {
      await frame.locator('#logon_id').fill(buyer.logonId);
      await frame.locator('#password').fill(buyer.password);
      await frame.getByRole('button', { name: /确认付款/ }).click();
    }
    const jsapiAttempt = async (orderId: string) => waitFor('the JSAPI attempt', async () => (await orderOf(h, orderId)).attempts.find((a: { method: string; trade_no: string | null }) => a.method === 'jsapi' && a.trade_no));

    test('in the Alipay app: OAuth auth_base, trade.create for the buyer, tradePay in the bridge, paid', options, async () => {
      const o = await createOrder(h, { amount: 1280, subject: '生活号 咖啡' });
      const before = balance();
      await as('alipay', 'alipay-paid', async (page) => {
        await page.goto(`${h.server.url}/checkout/${o.id}`);
        const attempt = await jsapiAttempt(o.id);
        assert.equal(trade(attempt.out_trade_no)!.buyerUserId, buyer.userId, 'trade.create with the sandbox buyer’s id');
        await overlay(page).locator('#logon_id').waitFor();
        await shot(page, 'alipay-cashier');
        await logInAndPay(overlay(page));
        await pageState(page, 'paid');
        await shot(page, 'alipay-paid');
      });
      assert.equal((await orderOf(h, o.id)).status, 'paid');
      assert.equal(before - balance(), 1280);
    });

    for (const [code, expected, paysFirst] of [
      ['6001', 'cancelled', false],
      ['99', 'cancelled', false],
      ['6002', 'network', false],
      ['4000', 'failed', false],
      ['5000', 'failed', false],
      ['8000', 'paid', true],
      ['6004', 'paid', true],
      ['9000', 'waiting', false],
    ] as const) {
      test(`in the Alipay app, tradePay reports ${code}${paysFirst ? ' for a paid trade' : ' for an unpaid trade'}: the page ends as the ledger says (${expected})`, options, async () => {
        const o = await createOrder(h, { amount: 200 + Number(code) % 97, subject: `result ${code}` });
        await as('alipay', `alipay-${code}`, async (page) => {
          await page.goto(`${h.server.url}/checkout/${o.id}`);
          const attempt = await jsapiAttempt(o.id);
          // The sandbox bridge's per-trade knob (README, the admin API): tradePay reports this code whatever happens.
          assert.equal((await adminCall(h.sandbox.adminUrl, 'POST', `/trades/${attempt.trade_no}/bridge-report`, { reportCode: code })).status, 200);
          if (paysFirst) await logInAndPay(overlay(page));
          else await overlay(page).getByRole('link', { name: /取消/ }).click();
          // 9000 for an unpaid trade: the server asks Alipay, and the page never says paid.
          const shown = await pageState(page, expected === 'waiting' ? ['confirming', 'waiting'] : expected);
          await shot(page, `alipay-${code}`);
          const t = trade(attempt.out_trade_no)!;
          assert.equal(t.status, paysFirst ? 'TRADE_SUCCESS' : 'WAIT_BUYER_PAY');
          assert.equal((await orderOf(h, o.id)).status, paysFirst ? 'paid' : 'paying');
          assert.notEqual(shown === 'paid', !paysFirst);
        });
      });
    }

    test('in the Alipay app: a replayed OAuth return is refused with a page, and no second trade is made', options, async () => {
      const o = await createOrder(h, { amount: 330 });
      await as('alipay', 'alipay-replay', async (page) => {
        let back = '';
        page.on('request', (r) => {
          if (r.url().includes(`/checkout/${o.id}/oauth?`)) back ||= r.url();
        });
        await page.goto(`${h.server.url}/checkout/${o.id}`);
        await jsapiAttempt(o.id);
        const before = ledger.trades(h.sandbox.appId).length;
        const r = await page.goto(back);
        assert.equal(r!.status(), 400);
        await shot(page, 'alipay-replayed-state');
        assert.equal(ledger.trades(h.sandbox.appId).length, before);
      });
    });

    test('a phone browser: wap, the sandbox cashier, back to the checkout page, paid', options, async () => {
      const o = await createOrder(h, { amount: 990, subject: '手机网站支付' });
      await as('phone', 'phone', async (page) => {
        await page.goto(`${h.server.url}/checkout/${o.id}`);
        await pageState(page, 'waiting');
        await shot(page, 'phone-waiting');
        await page.locator('[data-action="wap"]').click();
        await page.locator('#logon_id').waitFor();
        await logInAndPay(page);
        await page.waitForURL(`${h.server.url}/checkout/${o.id}**`);
        await pageState(page, 'paid');
        await shot(page, 'phone-paid');
      });
      assert.equal(trade(o.out_trade_no)!.status, 'TRADE_SUCCESS');
      assert.equal((await orderOf(h, o.id)).status, 'paid');
    });

    test('a desktop: page pay through the sandbox cashier, paid', options, async () => {
      const o = await createOrder(h, { amount: 4500, subject: '电脑网站支付' });
      await as('desktop', 'desktop-page', async (page) => {
        await page.goto(`${h.server.url}/checkout/${o.id}`);
        await pageState(page, 'waiting');
        await page.locator('[data-action="page"]').click();
        await page.locator('#logon_id').waitFor();
        await logInAndPay(page);
        await page.waitForURL(`${h.server.url}/checkout/${o.id}**`);
        await pageState(page, 'paid');
        await shot(page, 'desktop-page-paid');
      });
      const shown = await orderOf(h, o.id);
      assert.equal(shown.status, 'paid');
      assert.equal(shown.attempts.find((a: { id: string }) => a.id === shown.paid_attempt_id).method, 'page');
    });

    test('a desktop: the QR code is paid from the phone while the page is open; the page turns to paid by itself, and switching pays once', options, async () => {
      const o = await createOrder(h, { amount: 1688, subject: '扫码支付' });
      const before = balance();
      await as('desktop', 'desktop-qr', async (page) => {
        await page.goto(`${h.server.url}/checkout/${o.id}`);
        await pageState(page, 'waiting');
        await shot(page, 'desktop-waiting');
        const qr = (await orderOf(h, o.id)).attempts.find((a: { method: string }) => a.method === 'precreate');
        assert.ok(qr.qr_code.startsWith(h.sandbox.baseUrl), qr.qr_code);
        // The phone scans it: the sandbox's /qr/{token} page, logged in, pays.
        await as('phone', 'phone-scans-qr', async (phone) => {
          await phone.goto(qr.qr_code);
          await logInAndPay(phone);
          await phone.getByText(/支付成功|已支付|success/i).first().waitFor();
        });
        await pageState(page, 'paid');
        await shot(page, 'desktop-qr-paid');
      });
      assert.equal(before - balance(), 1688);
      assert.equal((await orderOf(h, o.id)).status, 'paid');
    });

    test('switching: the QR code shown on the laptop, then paid in the Alipay app: paid once, the QR trade closed on Alipay', options, async () => {
      const o = await createOrder(h, { amount: 777, subject: '换个方式付' });
      const before = balance();
      await as('desktop', 'switch-desktop', async (desktop) => {
        await desktop.goto(`${h.server.url}/checkout/${o.id}`);
        await pageState(desktop, 'waiting');
        await as('alipay', 'switch-alipay', async (page) => {
          await page.goto(`${h.server.url}/checkout/${o.id}`);
          await logInAndPay(overlay(page));
          await pageState(page, 'paid');
        });
        await pageState(desktop, 'paid');
        await shot(desktop, 'switch-desktop-paid');
      });
      const qr = (await orderOf(h, o.id)).attempts.find((a: { method: string }) => a.method === 'precreate');
      await waitFor('the QR attempt closed', async () => (await orderOf(h, o.id)).attempts.find((a: { id: string }) => a.id === qr.id).status === 'closed');
      assert.equal(trade(qr.out_trade_no)!.status, 'TRADE_CLOSED');
      assert.equal(before - balance(), 777, 'charged once');
    });

    test('two attempts both paid (the QR after the JSAPI one): the second is refunded in full, a duplicate_payment alert names both', options, async () => {
      const o = await createOrder(h, { amount: 555, subject: '付了两次' });
      const drop = h.sandbox.ctx.faults.add({ appId: h.sandbox.appId, kind: 'notify-drop' });
      const before = balance();
      const qr = (await h.api('POST', `/v1/orders/${o.id}/qr-payments`)).body;
      await as('alipay', 'duplicate', async (page) => {
        await page.goto(`${h.server.url}/checkout/${o.id}`);
        await jsapiAttempt(o.id);
        // Meanwhile the QR code on the laptop is scanned and paid too (its notify held back).
        assert.equal((await adminCall(h.sandbox.adminUrl, 'POST', `/trades/${trade(qr.out_trade_no)!.tradeNo}/pay`, { buyerId: buyer.userId })).status, 200);
        await logInAndPay(overlay(page));
        await pageState(page, 'paid');
        await shot(page, 'duplicate-paid');
      });
      h.sandbox.ctx.faults.remove(drop.id);
      await waitFor('the order paid', async () => (await orderOf(h, o.id)).attempts.filter((a: { status: string }) => a.status === 'paid').length === 2, 20_000);
      const order = await orderOf(h, o.id);
      const second = order.attempts.find((a: { id: string; status: string }) => a.status === 'paid' && a.id !== order.paid_attempt_id);
      await waitFor('the second payment refunded at the sandbox', async () => trade(second.out_trade_no)!.refundedFen === 555, 20_000);
      assert.equal(before - balance(), 555, 'the buyer paid once in the end');
      const { rows } = await h.db.pool.query(`SELECT detail FROM alerts WHERE kind = 'duplicate_payment' AND order_id = $1`, [o.id]);
      assert.equal(rows.length, 1);
      assert.deepEqual(new Set([rows[0].detail.order_trade_no, rows[0].detail.duplicate_trade_no]), new Set(order.attempts.map((a: { trade_no: string }) => a.trade_no)));
    });

    test('expiry and a merchant’s close while the buyer is on the page: the page says so, nothing can be paid', options, async () => {
      const e = await createOrder(h, { amount: 640 });
      const c = await createOrder(h, { amount: 650 });
      await as('desktop', 'expired', async (page) => {
        await page.goto(`${h.server.url}/checkout/${e.id}`);
        await pageState(page, 'waiting');
        await expire(h, e.id);
        await pageState(page, 'expired');
        await shot(page, 'desktop-expired');
        assert.equal(await page.locator('[data-action]').count(), 0, 'no way to pay is offered');
      });
      await as('phone', 'closed', async (page) => {
        await page.goto(`${h.server.url}/checkout/${c.id}`);
        await pageState(page, 'waiting');
        assert.equal((await h.api('POST', `/v1/orders/${c.id}/close`)).status, 200);
        await pageState(page, 'closed');
        await shot(page, 'phone-closed');
        assert.equal(await page.locator('[data-action]').count(), 0);
      });
      const qr = (await orderOf(h, e.id)).attempts.find((a: { method: string }) => a.method === 'precreate');
      await waitFor('the expired order closed', async () => (await orderOf(h, e.id)).status === 'closed');
      assert.equal(trade(qr.out_trade_no)!.status, 'TRADE_CLOSED');
    });

    test('English with ?lang=en', options, async () => {
      const o = await createOrder(h, { amount: 100, subject: 'Tea' });
      await as('desktop', 'english', async (page) => {
        await page.goto(`${h.server.url}/checkout/${o.id}?lang=en`);
        await pageState(page, 'waiting');
        assert.match(await page.locator('body').innerText(), /Scan|Pay/);
        await shot(page, 'desktop-en');
      });
    });
  });
}
