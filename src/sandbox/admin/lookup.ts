/**
 * Finding what a request names. An unknown id in the path is a 404; an unknown id given as a
 * filter or in the body is a 400 naming that field (a typo must not look like "nothing there").
 */
import type { SandboxContext } from '../context.js';
import type { Buyer, SandboxApp, Trade } from '../state/model.js';
import { invalid, notFound } from './problem.js';

export function mustApp(ctx: SandboxContext, appId: string): SandboxApp {
  const app = ctx.ledger.app(appId);
  if (!app) throw notFound('appId', `no app ${appId}`);
  return app;
}

export function mustBuyer(ctx: SandboxContext, userId: string): Buyer {
  const b = ctx.ledger.buyer(userId);
  if (!b) throw notFound('buyerId', `no buyer ${userId}`);
  return b;
}

export function mustTrade(ctx: SandboxContext, tradeNo: string): Trade {
  const t = ctx.ledger.trade(tradeNo);
  if (!t) throw notFound('tradeNo', `no trade ${tradeNo}`);
  return t;
}

export function knownApp(ctx: SandboxContext, appId: string | undefined, field = 'appId'): string | undefined {
  if (appId !== undefined && !ctx.ledger.app(appId)) throw invalid(field, `no app ${appId}`);
  return appId;
}

export function knownTrade(ctx: SandboxContext, tradeNo: string | undefined, field = 'tradeNo'): string | undefined {
  if (tradeNo !== undefined && !ctx.ledger.trade(tradeNo)) throw invalid(field, `no trade ${tradeNo}`);
  return tradeNo;
}
