/**
 * /admin/faults: failures to inject, per app (see ../faults.ts for what each kind does). A fault
 * fires on every matching call until removed, or on the next `count` calls; `method` narrows it
 * to one gateway method. Options that do not belong to the kind are refused rather than ignored.
 */
import { z } from 'zod';
import { FAULT_KINDS } from '../faults.js';
import type { Fault, FaultKind } from '../state/model.js';
import { check, jsonBody, query } from './input.js';
import { invalid, notFound } from './problem.js';
import { knownApp } from './lookup.js';
import { created, noContent, ok, type AdminRoute } from './route.js';

const seconds = z.number().refine((n) => Number.isFinite(n) && n >= 0 && n <= 30 * 86_400, { message: 'must be a number of seconds from 0 to 2592000 (30 days)' });

const createSchema = z.strictObject({
  appId: z.string().min(1),
  kind: z.enum(FAULT_KINDS as [FaultKind, ...FaultKind[]]),
  method: z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, { message: 'must be a gateway method name like alipay.trade.pay' }).optional(),
  count: z.number().refine((n) => Number.isSafeInteger(n) && n >= 1, { message: 'must be a whole number, 1 or more (leave it out for "until removed")' }).optional(),
  applied: z.boolean().optional(),
  payAfterSeconds: seconds.optional(),
  delaySeconds: seconds.optional(),
});

/** Which kinds take which options. */
const OPTION_KINDS: Record<'applied' | 'payAfterSeconds' | 'delaySeconds', readonly FaultKind[]> = {
  applied: ['hang', 'system-error'],
  payAfterSeconds: ['need-password'],
  delaySeconds: ['notify-delay'],
};

export const faultRoutes: AdminRoute[] = [
  {
    method: 'GET',
    path: '/faults',
    summary: 'list the faults in force: ?appId=',
    handle: ({ ctx, req }) => ok(ctx.faults.list(knownApp(ctx, query(req, ['appId']).appId))),
  },
  {
    method: 'POST',
    path: '/faults',
    summary: 'inject a fault: { appId, kind, method?, count?, applied?, payAfterSeconds?, delaySeconds? }',
    handle: ({ ctx, req }) => {
      const input = check(createSchema, jsonBody(req));
      knownApp(ctx, input.appId);
      for (const [option, kinds] of Object.entries(OPTION_KINDS)) {
        if (input[option as keyof typeof OPTION_KINDS] !== undefined && !kinds.includes(input.kind)) {
          throw invalid(option, `applies only to ${kinds.join(', ')}, not to ${input.kind}`);
        }
      }
      if (input.kind === 'notify-delay' && input.delaySeconds === undefined) throw invalid('delaySeconds', 'is required for notify-delay');
      const spec: Omit<Fault, 'id' | 'createdAt'> = { appId: input.appId, kind: input.kind };
      if (input.method !== undefined) spec.method = input.method;
      if (input.count !== undefined) spec.remaining = input.count;
      if (input.applied !== undefined) spec.applied = input.applied;
      else if (input.kind === 'hang' || input.kind === 'system-error') spec.applied = false;
      if (input.payAfterSeconds !== undefined) spec.payAfterSeconds = input.payAfterSeconds;
      if (input.delaySeconds !== undefined) spec.delaySeconds = input.delaySeconds;
      return created(ctx.faults.add(spec));
    },
  },
  {
    method: 'GET',
    path: '/faults/:id',
    summary: 'one fault',
    handle: ({ ctx, params }) => {
      const f = ctx.faults.list().find((x) => x.id === params.id);
      if (!f) throw notFound('id', `no fault ${params.id} (a fault with a count is removed once used up)`);
      return ok(f);
    },
  },
  {
    method: 'DELETE',
    path: '/faults/:id',
    summary: 'remove a fault',
    handle: ({ ctx, params }) => {
      if (!ctx.faults.remove(params.id!)) throw notFound('id', `no fault ${params.id} (a fault with a count is removed once used up)`);
      return noContent();
    },
  },
];
