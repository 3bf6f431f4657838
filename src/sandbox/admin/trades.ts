/**
 * /admin/trades and /admin/refunds: what the sandbox's books hold, and the buyer's side of a
 * waiting trade: pay it (as the buyer the trade is bound to, or as the one given: a precreate QR
 * code being scanned, a wap cashier being completed, a 10003 password being entered) or fail it
 * (the buyer gave up: the trade closes). `finish` ends a paid trade's refundable period.
 */
import { z } from 'zod';
import type { SandboxContext } from '../context.js';
import { LedgerError } from '../state/ledger.js';
import type { Trade, TradeStatus } from '../state/model.js';
import { check, jsonBody, query } from './input.js';
import { conflict, invalid, AdminProblem } from './problem.js';
import { knownApp, knownTrade, mustTrade } from './lookup.js';
import { notifyTasks } from './notifies.js';
import { refundView, tradeView } from './views.js';
import { ok, type AdminRoute } from './route.js';
import { RESULT_CODES, setBridgeReport } from '../pages/bridge-result.js';

const STATUSES: readonly TradeStatus[] = ['WAIT_BUYER_PAY', 'TRADE_SUCCESS', 'TRADE_FINISHED', 'TRADE_CLOSED'];



/** A refusal by the ledger: 409 with Alipay's sub_code, or 400 for a bad parameter. */
function ledgerProblem(err: unknown, field?: string): never {
  if (!(err instanceof LedgerError)) throw err;
  if (err.subCode === 'ACQ.INVALID_PARAMETER') throw new AdminProblem('invalid-input', err.subMsg, { field: field ?? 'body', code: err.subCode });
  throw conflict(`${err.subCode}: ${err.subMsg}`, { code: err.subCode, ...(field && err.subCode === 'ACQ.TRADE_BUYER_NOT_MATCH' ? { field } : {}) });
}

function mustWait(t: Trade, action: string): void {
  if (t.status !== 'WAIT_BUYER_PAY') throw conflict(`trade ${t.tradeNo} is ${t.status}; only a WAIT_BUYER_PAY trade can be ${action}`, { code: 'ACQ.TRADE_STATUS_ERROR' });
}

const bridgeReportSchema = z.strictObject({ reportCode: z.enum(RESULT_CODES as [string, ...string[]], { message: `must be one of ${RESULT_CODES.join(', ')}, or null` }).nullable() });
const paySchema = z.strictObject({ buyerId: z.string().regex(/^2088\d{12}$/, { message: 'must be a buyer\'s user id (2088 and 12 digits)' }).optional() });

export const tradeRoutes: AdminRoute[] = [
  {
    method: 'GET',
    path: '/trades',
    summary: 'list trades, newest first: ?appId= &status= &outTradeNo=',
    handle: ({ ctx, req }) => {
      const q = query(req, ['appId', 'status', 'outTradeNo']);
      const appId = knownApp(ctx, q.appId);
      if (q.status !== undefined && !(STATUSES as readonly string[]).includes(q.status)) throw invalid('status', `must be one of ${STATUSES.join(', ')}, got ${JSON.stringify(q.status)}`);
      const trades = ctx.ledger.trades(appId).filter((t) => (!q.status || t.status === q.status) && (!q.outTradeNo || t.outTradeNo === q.outTradeNo));
      return ok(trades.map(tradeView));
    },
  },
  {
    method: 'GET',
    path: '/trades/:tradeNo',
    summary: 'one trade with its refunds and notify attempts',
    handle: ({ ctx, params }) => {
      const t = mustTrade(ctx, params.tradeNo!);
      const refunds = ctx.ledger.refunds(t.appId).filter((r) => r.tradeNo === t.tradeNo).map(refundView);
      return ok({ ...tradeView(t), refunds, notifies: notifyTasks(ctx, { tradeNo: t.tradeNo }) });
    },
  },
  {
    method: 'POST',
    path: '/trades/:tradeNo/pay',
    summary: 'the buyer pays a waiting trade: { buyerId? } (default: the buyer it is bound to)',
    handle: ({ ctx, req, params }) => {
      const t = mustTrade(ctx, params.tradeNo!);
      const input = check(paySchema, jsonBody(req));
      mustWait(t, 'paid');
      const buyerId = input.buyerId ?? t.buyerUserId;
      if (!buyerId) throw invalid('buyerId', 'is required: this trade has no buyer yet (nobody scanned or logged in), so say who pays');
      if (!ctx.ledger.buyer(buyerId)) throw invalid('buyerId', `no buyer ${buyerId}`);
      try {
        return ok(tradeView(ctx.ledger.pay(t.tradeNo, buyerId)));
      } catch (err) {
        ledgerProblem(err, 'buyerId');
      }
    },
  },
  {
    method: 'POST',
    path: '/trades/:tradeNo/fail',
    summary: 'the buyer gives up on a waiting trade: it closes (TRADE_CLOSED)',
    handle: ({ ctx, req, params }) => {
      const t = mustTrade(ctx, params.tradeNo!);
      check(z.strictObject({}), jsonBody(req));
      mustWait(t, 'failed');
      try {
        return ok(tradeView(ctx.ledger.close(t.tradeNo)));
      } catch (err) {
        ledgerProblem(err);
      }
    },
  },
  {
    method: 'POST',
    path: '/trades/:tradeNo/finish',
    summary: 'end a paid trade\'s refundable period: TRADE_SUCCESS → TRADE_FINISHED',
    handle: ({ ctx, req, params }) => {
      const t = mustTrade(ctx, params.tradeNo!);
      check(z.strictObject({}), jsonBody(req));
      if (t.status !== 'TRADE_SUCCESS') throw conflict(`trade ${t.tradeNo} is ${t.status}; only a TRADE_SUCCESS trade can be finished`, { code: 'ACQ.TRADE_STATUS_ERROR' });
      try {
        return ok(tradeView(ctx.ledger.finish(t.tradeNo)));
      } catch (err) {
        ledgerProblem(err);
      }
    },
  },
  {
    method: 'POST',
    path: '/trades/:tradeNo/bridge-report',
    summary: 'make AlipayJSBridge tradePay report { reportCode } for this trade whatever happens (null removes it): "9000 but unpaid", "6004 but paid"',
    handle: ({ ctx, req, params }) => {
      const t = mustTrade(ctx, params.tradeNo!);
      const input = check(bridgeReportSchema, jsonBody(req));
      return ok({ tradeNo: t.tradeNo, bridgeReport: setBridgeReport(ctx, t.tradeNo, input.reportCode ?? undefined) ?? null });
    },
  },
  {
    method: 'GET',
    path: '/refunds',
    summary: 'list refunds, newest first: ?appId= &tradeNo=',
    handle: ({ ctx, req }) => {
      const q = query(req, ['appId', 'tradeNo']);
      const appId = knownApp(ctx, q.appId);
      knownTrade(ctx, q.tradeNo);
      return ok(ctx.ledger.refunds(appId).filter((r) => !q.tradeNo || r.tradeNo === q.tradeNo).map(refundView));
    },
  },
];
