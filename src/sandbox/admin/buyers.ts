/**
 * /admin/buyers: the sandbox's Alipay users, their balances (fen) and their payment codes (the
 * 18 digits a cashier scans for alipay.trade.pay, single use, valid a few minutes).
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { newUserId } from '../ids.js';
import type { SandboxContext } from '../context.js';
import { C, type Buyer } from '../state/model.js';
import { check, fen, jsonBody, query } from './input.js';
import { conflict } from './problem.js';
import { knownApp, mustBuyer } from './lookup.js';
import { buyerView } from './views.js';
import { created, ok, type AdminRoute } from './route.js';

const logonId = z.string().trim().min(1).max(100).regex(/^\S+$/, { message: 'must not contain spaces (a phone number or an email address)' });
const name = z.string().trim().min(1).max(64);
const password = z.string().regex(/^\d{6}$/, { message: 'must be 6 digits (a payment password)' });

const createSchema = z.strictObject({
  logonId: logonId.optional(),
  name: name.optional(),
  password: password.optional(),
  balanceFen: fen.optional(),
  city: z.string().max(32).optional(),
  province: z.string().max(32).optional(),
  gender: z.enum(['m', 'f']).optional(),
});

const patchSchema = z.strictObject({
  balanceFen: fen.optional(),
  name: name.optional(),
  password: password.optional(),
});



export const buyerRoutes: AdminRoute[] = [
  {
    method: 'GET',
    path: '/buyers',
    summary: 'list the buyers; ?appId= adds the open id that app sees',
    handle: ({ ctx, req }) => {
      const q = query(req, ['appId']);
      const appId = knownApp(ctx, q.appId);
      return ok(ctx.ledger.buyers().map((b) => buyerView(ctx, b, appId)));
    },
  },
  {
    method: 'POST',
    path: '/buyers',
    summary: 'a new buyer: { logonId?, name?, password?, balanceFen?, city?, province?, gender? }',
    handle: ({ ctx, req }) => {
      const input = check(createSchema, jsonBody(req));
      if (input.logonId !== undefined && ctx.ledger.buyerByLogon(input.logonId)) throw conflict(`a buyer with logon id ${input.logonId} exists`, { field: 'logonId' });
      let logon = input.logonId;
      while (logon === undefined || ctx.ledger.buyerByLogon(logon)) logon = `buyer${String(randomInt(1e6)).padStart(6, '0')}@sandbox.zfb`;
      const buyer: Buyer = {
        userId: newUserId(),
        logonId: logon,
        name: input.name ?? `沙箱买家 ${logon}`,
        password: input.password ?? '111111',
        balanceFen: input.balanceFen ?? 0,
        avatar: '',
        city: input.city ?? '杭州市',
        province: input.province ?? '浙江省',
        gender: input.gender ?? 'f',
      };
      return created(ctx.store.put(C.buyers, buyer.userId, buyer));
    },
  },
  {
    method: 'GET',
    path: '/buyers/:buyerId',
    summary: 'one buyer; ?appId= adds the open id that app sees',
    handle: ({ ctx, req, params }) => {
      const buyer = mustBuyer(ctx, params.buyerId!);
      const appId = knownApp(ctx, query(req, ['appId']).appId);
      return ok(buyerView(ctx, buyer, appId));
    },
  },
  {
    method: 'PATCH',
    path: '/buyers/:buyerId',
    summary: 'set a buyer\'s balance (or name, password): { balanceFen?, name?, password? }',
    handle: ({ ctx, req, params }) => {
      const buyer = mustBuyer(ctx, params.buyerId!);
      const input = check(patchSchema, jsonBody(req));
      const next: Buyer = { ...buyer, ...(input.name !== undefined ? { name: input.name } : {}), ...(input.password !== undefined ? { password: input.password } : {}) };
      if (input.balanceFen !== undefined) next.balanceFen = input.balanceFen;
      return ok(ctx.store.put(C.buyers, next.userId, next));
    },
  },
  {
    method: 'POST',
    path: '/buyers/:buyerId/payment-code',
    summary: 'the buyer\'s current payment code (付款码) → { authCode, expiresAt }',
    handle: ({ ctx, req, params }) => {
      mustBuyer(ctx, params.buyerId!);
      check(z.strictObject({}), jsonBody(req));
      const pc = ctx.ledger.issuePaymentCode(params.buyerId!);
      return created({ authCode: pc.code, userId: pc.userId, issuedAt: pc.issuedAt, expiresAt: pc.expiresAt });
    },
  },
];
