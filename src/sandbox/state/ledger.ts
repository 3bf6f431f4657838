/**
 * The sandbox's books: apps, buyers and their balances, payment codes, trades and refunds. Every
 * operation is synchronous (so concurrent requests cannot interleave inside one) and writes
 * through the Store. Trade state moves only WAIT_BUYER_PAY → TRADE_SUCCESS → TRADE_FINISHED /
 * TRADE_CLOSED, or WAIT_BUYER_PAY → TRADE_CLOSED; each change is announced to listeners (the
 * notify sender) after it is stored.
 */
import type { Clock } from '../clock.js';
import { C, type Buyer, type PaymentCode, type Refund, type SandboxApp, type Trade } from './model.js';
import type { Store } from './store.js';
import { newPaymentCode, newTradeNo, newUserId } from '../ids.js';

export type TradeEvent =
  | { kind: 'paid'; trade: Trade }
  | { kind: 'closed'; trade: Trade }
  | { kind: 'refunded'; trade: Trade; refund: Refund };

/** A business failure, mapped by the gateway to code 40004 with this sub_code. */
export class LedgerError extends Error {
  constructor(
    readonly subCode: string,
    readonly subMsg: string,
  ) {
    super(`${subCode}: ${subMsg}`);
  }
}

/** How long a payment code stays valid. The wallet shows a new one every minute. */
export const PAYMENT_CODE_TTL_MS = 3 * 60_000;

const DEFAULT_BUYERS: Omit<Buyer, 'userId'>[] = [
  { logonId: '13800138000', name: '沙箱买家甲', password: '111111', balanceFen: 1_000_000_00, avatar: '', city: '杭州市', province: '浙江省', gender: 'f' },
  { logonId: 'buyer2@sandbox.zfb', name: '沙箱买家乙', password: '111111', balanceFen: 500_00, avatar: '', city: '上海市', province: '上海市', gender: 'm' },
  { logonId: '13900139000', name: '沙箱买家丙 (no money)', password: '111111', balanceFen: 0, avatar: '', city: '北京市', province: '北京市', gender: 'm' },
];

export class Ledger {
  readonly #listeners: ((e: TradeEvent) => void)[] = [];

  constructor(
    readonly store: Store,
    readonly clock: Clock,
  ) {
    if (this.store.all<Buyer>(C.buyers).length === 0) {
      for (const b of DEFAULT_BUYERS) {
        const buyer: Buyer = { userId: newUserId(), ...b };
        this.store.put(C.buyers, buyer.userId, buyer);
      }
    }
  }

  onTradeEvent(listener: (e: TradeEvent) => void): void {
    this.#listeners.push(listener);
  }

  #emit(e: TradeEvent): void {
    for (const l of this.#listeners) l(e);
  }

  #now(): string {
    return this.clock.now().toISOString();
  }

  // ── apps ──────────────────────────────────────────────────────────────

  app(appId: string): SandboxApp | undefined {
    return this.store.get<SandboxApp>(C.apps, appId);
  }

  apps(): SandboxApp[] {
    return this.store.all<SandboxApp>(C.apps);
  }

  putApp(app: SandboxApp): SandboxApp {
    return this.store.put(C.apps, app.appId, app);
  }

  // ── buyers and payment codes ──────────────────────────────────────────

  buyers(): Buyer[] {
    return this.store.all<Buyer>(C.buyers);
  }

  buyer(userId: string): Buyer | undefined {
    return this.store.get<Buyer>(C.buyers, userId);
  }

  buyerByLogon(logonId: string): Buyer | undefined {
    return this.buyers().find((b) => b.logonId === logonId);
  }

  setBalance(userId: string, balanceFen: number): Buyer {
    const b = this.buyer(userId);
    if (!b) throw new LedgerError('ACQ.INVALID_PARAMETER', `no buyer ${userId}`);
    if (!Number.isSafeInteger(balanceFen) || balanceFen < 0) throw new LedgerError('ACQ.INVALID_PARAMETER', 'balance must be a whole number of fen, 0 or more');
    return this.store.put(C.buyers, userId, { ...b, balanceFen });
  }

  issuePaymentCode(userId: string): PaymentCode {
    if (!this.buyer(userId)) throw new LedgerError('ACQ.INVALID_PARAMETER', `no buyer ${userId}`);
    const now = this.clock.now();
    const pc: PaymentCode = { code: newPaymentCode(), userId, issuedAt: now.toISOString(), expiresAt: new Date(now.getTime() + PAYMENT_CODE_TTL_MS).toISOString() };
    return this.store.put(C.paymentCodes, pc.code, pc);
  }

  /** The buyer behind a payment code, using the code up. */
  redeemPaymentCode(code: string): Buyer {
    const pc = this.store.get<PaymentCode>(C.paymentCodes, code);
    if (!pc || pc.usedAt || new Date(pc.expiresAt) < this.clock.now()) {
      throw new LedgerError('ACQ.PAYMENT_AUTH_CODE_INVALID', '支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款，如再次收款失败，请联系管理员处理。[SOUNDWAVE_PARSER_FAIL]');
    }
    this.store.put(C.paymentCodes, code, { ...pc, usedAt: this.#now() });
    return this.buyer(pc.userId)!;
  }

  // ── trades ────────────────────────────────────────────────────────────

  trade(tradeNo: string): Trade | undefined {
    const t = this.store.get<Trade>(C.trades, tradeNo);
    return t && this.#expireIfDue(t);
  }

  tradeByOutTradeNo(appId: string, outTradeNo: string): Trade | undefined {
    const idx = this.store.get<{ tradeNo: string }>('trade_index', `${appId}:${outTradeNo}`);
    return idx ? this.trade(idx.tradeNo) : undefined;
  }

  /** By trade_no (wins when both are given, as Alipay documents) or out_trade_no, within the app. */
  findTrade(appId: string, ids: { tradeNo?: string; outTradeNo?: string }): Trade | undefined {
    if (ids.tradeNo) {
      const t = this.trade(ids.tradeNo);
      return t && t.appId === appId ? t : undefined;
    }
    return ids.outTradeNo ? this.tradeByOutTradeNo(appId, ids.outTradeNo) : undefined;
  }

  trades(appId?: string): Trade[] {
    return this.store
      .all<Trade>(C.trades)
      .filter((t) => !appId || t.appId === appId)
      .map((t) => this.#expireIfDue(t))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /**
   * A new trade in WAIT_BUYER_PAY, or the existing one for the same out_trade_no when its defining
   * parameters are the same. Alipay refuses the same out_trade_no with other parameters
   * (ACQ.CONTEXT_INCONSISTENT) and a paid or closed one (ACQ.TRADE_HAS_SUCCESS / _CLOSE).
   */
  openTrade(input: Omit<Trade, 'tradeNo' | 'status' | 'createdAt' | 'refundedFen'>): { trade: Trade; existed: boolean } {
    const existing = this.tradeByOutTradeNo(input.appId, input.outTradeNo);
    if (existing) {
      if (existing.status === 'TRADE_SUCCESS' || existing.status === 'TRADE_FINISHED') throw new LedgerError('ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
      if (existing.status === 'TRADE_CLOSED') throw new LedgerError('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
      if (existing.fingerprint !== input.fingerprint) throw new LedgerError('ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改');
      return { trade: existing, existed: true };
    }
    const trade: Trade = { ...input, tradeNo: newTradeNo(this.clock.now()), status: 'WAIT_BUYER_PAY', createdAt: this.#now(), refundedFen: 0 };
    this.store.put(C.trades, trade.tradeNo, trade);
    this.store.put('trade_index', `${trade.appId}:${trade.outTradeNo}`, { tradeNo: trade.tradeNo });
    return { trade, existed: false };
  }

  /** Changes fields of a trade that is still waiting (a bound buyer, a 10003 pay time). */
  updateWaiting(tradeNo: string, patch: Partial<Pick<Trade, 'buyerUserId' | 'payAt' | 'boundBuyer' | 'returnUrl' | 'notifyUrl'>>): Trade {
    const t = this.#mustWait(tradeNo);
    return this.store.put(C.trades, tradeNo, { ...t, ...patch });
  }

  /** The buyer pays: their balance goes down, the trade becomes TRADE_SUCCESS. */
  pay(tradeNo: string, userId: string): Trade {
    return this.#applyPay(this.#mustWait(tradeNo), userId);
  }

  #applyPay(t: Trade, userId: string): Trade {
    const tradeNo = t.tradeNo;
    if (t.buyerUserId && t.buyerUserId !== userId) throw new LedgerError('ACQ.TRADE_BUYER_NOT_MATCH', '交易买家不匹配');
    const buyer = this.buyer(userId);
    if (!buyer) throw new LedgerError('ACQ.INVALID_PARAMETER', `no buyer ${userId}`);
    if (buyer.balanceFen < t.totalFen) throw new LedgerError('ACQ.BUYER_BALANCE_NOT_ENOUGH', '买家余额不足');
    this.store.put(C.buyers, userId, { ...buyer, balanceFen: buyer.balanceFen - t.totalFen });
    const paid = this.store.put(C.trades, tradeNo, { ...t, status: 'TRADE_SUCCESS' as const, buyerUserId: userId, paidAt: this.#now(), payAt: undefined });
    this.#emit({ kind: 'paid', trade: paid });
    return paid;
  }

  /** Closes an unpaid trade (close, cancel of an unpaid trade, expiry). */
  close(tradeNo: string, action?: 'close'): Trade {
    const t = this.#mustWait(tradeNo, 'ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
    const closed = this.store.put(C.trades, tradeNo, { ...t, status: 'TRADE_CLOSED' as const, closedAt: this.#now(), payAt: undefined, ...(action ? { cancelAction: action } : {}) });
    this.#emit({ kind: 'closed', trade: closed });
    return closed;
  }

  /**
   * Refunds part or all of a paid trade, idempotent on out_request_no: the same request no. with
   * the same amount returns the first refund (`repeated: true`, fund_change N); with another
   * amount it is refused. Never above what is left to refund. `asCancel`: the refund is what
   * alipay.trade.cancel did to a paid trade, so the same write records `cancelAction: 'refund'`.
   */
  refund(tradeNo: string, input: { outRequestNo: string; amountFen: number; reason?: string; asCancel?: boolean }): { trade: Trade; refund: Refund; repeated: boolean } {
    const t = this.trade(tradeNo);
    if (!t) throw new LedgerError('ACQ.TRADE_NOT_EXIST', '交易不存在');
    const key = `${tradeNo}:${input.outRequestNo}`;
    const previous = this.store.get<Refund>(C.refunds, key);
    const fingerprint = `${input.amountFen}`;
    if (previous) {
      if (previous.fingerprint !== fingerprint) throw new LedgerError('ACQ.DISCORDANT_REPEAT_REQUEST', '请求信息不一致');
      return { trade: t, refund: previous, repeated: true };
    }
    if (t.status === 'WAIT_BUYER_PAY') throw new LedgerError('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
    if (t.status === 'TRADE_FINISHED') throw new LedgerError('ACQ.TRADE_HAS_FINISHED', '交易已结束');
    // Refunded to zero is "nothing left to refund" (§6.15); closed unpaid is a closed trade.
    if (t.status === 'TRADE_CLOSED') throw t.paidAt ? new LedgerError('ACQ.REASON_TRADE_REFUND_FEE_ERR', '退款金额超限') : new LedgerError('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
    if (input.amountFen > t.totalFen - t.refundedFen) throw new LedgerError('ACQ.REASON_TRADE_REFUND_FEE_ERR', '退款金额超限');
    const refund: Refund = { appId: t.appId, tradeNo, outTradeNo: t.outTradeNo, outRequestNo: input.outRequestNo, amountFen: input.amountFen, reason: input.reason, fingerprint, createdAt: this.#now() };
    this.store.put(C.refunds, key, refund);
    const buyer = t.buyerUserId ? this.buyer(t.buyerUserId) : undefined;
    if (buyer) this.store.put(C.buyers, buyer.userId, { ...buyer, balanceFen: buyer.balanceFen + input.amountFen });
    const refundedFen = t.refundedFen + input.amountFen;
    // A fully refunded trade is TRADE_CLOSED (alipay-protocol.md §6.9).
    const after = this.store.put(C.trades, tradeNo, {
      ...t,
      refundedFen,
      ...(refundedFen === t.totalFen ? { status: 'TRADE_CLOSED' as const, closedAt: this.#now() } : {}),
      ...(input.asCancel ? { cancelAction: 'refund' as const } : {}),
    });
    this.#emit({ kind: 'refunded', trade: after, refund });
    return { trade: after, refund, repeated: false };
  }

  refundOf(tradeNo: string, outRequestNo: string): Refund | undefined {
    return this.store.get<Refund>(C.refunds, `${tradeNo}:${outRequestNo}`);
  }

  refunds(appId?: string): Refund[] {
    return this.store.all<Refund>(C.refunds).filter((r) => !appId || r.appId === appId).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Ends a paid trade's refundable period: TRADE_SUCCESS → TRADE_FINISHED (admin API). */
  finish(tradeNo: string): Trade {
    const t = this.trade(tradeNo);
    if (!t || t.status !== 'TRADE_SUCCESS') throw new LedgerError('ACQ.TRADE_STATUS_ERROR', '交易状态不合法');
    const done = this.store.put(C.trades, tradeNo, { ...t, status: 'TRADE_FINISHED' as const });
    this.#emit({ kind: 'paid', trade: done });
    return done;
  }

  #mustWait(tradeNo: string, subCode = 'ACQ.TRADE_STATUS_ERROR', subMsg = '交易状态不合法'): Trade {
    const t = this.trade(tradeNo);
    if (!t) throw new LedgerError('ACQ.TRADE_NOT_EXIST', '交易不存在');
    if (t.status !== 'WAIT_BUYER_PAY') throw new LedgerError(subCode, subMsg);
    return t;
  }

  /** Unpaid trades close by themselves at expiresAt; a 10003 trade pays itself at payAt. */
  #expireIfDue(t: Trade): Trade {
    if (t.status !== 'WAIT_BUYER_PAY') return t;
    const now = this.clock.now().toISOString();
    if (t.payAt && t.payAt <= now && t.buyerUserId) {
      try {
        return this.#applyPay(t, t.buyerUserId);
      } catch (err) {
        if (!(err instanceof LedgerError)) throw err;
        return this.store.put(C.trades, t.tradeNo, { ...t, payAt: undefined }); // could not pay: stays waiting
      }
    }
    if (t.expiresAt && t.expiresAt <= now) {
      const closed = this.store.put(C.trades, t.tradeNo, { ...t, status: 'TRADE_CLOSED' as const, closedAt: t.expiresAt });
      this.#emit({ kind: 'closed', trade: closed });
      return closed;
    }
    return t;
  }
}
