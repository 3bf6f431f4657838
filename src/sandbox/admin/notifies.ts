/**
 * /admin/notifies: the async notifies the sandbox sends (one task per notify, each with its
 * attempts: when, the HTTP status, what the merchant answered). Read through the notify sender
 * (`ctx.notifier`) when it is running; without one the stored tasks are still listed, and resend
 * answers 503.
 */
import { z } from 'zod';
import type { SandboxContext } from '../context.js';
import { C, type NotifyTask } from '../state/model.js';
import { check, jsonBody, query } from './input.js';
import { AdminProblem, invalid, notFound } from './problem.js';
import { knownApp, knownTrade } from './lookup.js';
import { ok, type AdminRoute } from './route.js';

export interface NotifyFilter {
  appId?: string;
  tradeNo?: string;
  state?: NotifyTask['state'];
}

const STATES: readonly NotifyTask['state'][] = ['pending', 'delivered', 'gave-up', 'dropped'];

/** What the admin API needs of the notify sender. */
interface NotifierView {
  tasks(filter?: NotifyFilter): NotifyTask[];
  task(id: string): NotifyTask | undefined;
  resend(id: string): unknown;
}

function notifierOf(ctx: SandboxContext): NotifierView | undefined {
  const n = (ctx as unknown as { notifier?: Partial<NotifierView> }).notifier;
  return n && typeof n.tasks === 'function' && typeof n.task === 'function' && typeof n.resend === 'function' ? (n as NotifierView) : undefined;
}

const byCreated = (a: NotifyTask, b: NotifyTask) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

export function notifyTasks(ctx: SandboxContext, filter: NotifyFilter): NotifyTask[] {
  const n = notifierOf(ctx);
  const all = n ? n.tasks(filter) : ctx.store.all<NotifyTask>(C.notifies);
  return all
    .filter((t) => (!filter.appId || t.appId === filter.appId) && (!filter.tradeNo || t.tradeNo === filter.tradeNo) && (!filter.state || t.state === filter.state))
    .sort(byCreated);
}

function notifyTask(ctx: SandboxContext, id: string): NotifyTask | undefined {
  const n = notifierOf(ctx);
  return n ? n.task(id) : ctx.store.get<NotifyTask>(C.notifies, id);
}

function mustNotify(ctx: SandboxContext, id: string): NotifyTask {
  const t = notifyTask(ctx, id);
  if (!t) throw notFound('id', `no notify ${id}`);
  return t;
}

export const notifyRoutes: AdminRoute[] = [
  {
    method: 'GET',
    path: '/notifies',
    summary: 'list notify tasks with their attempts, oldest first: ?appId= &tradeNo= &state=',
    handle: ({ ctx, req }) => {
      const q = query(req, ['appId', 'tradeNo', 'state']);
      if (q.state !== undefined && !(STATES as readonly string[]).includes(q.state)) throw invalid('state', `must be one of ${STATES.join(', ')}, got ${JSON.stringify(q.state)}`);
      return ok(notifyTasks(ctx, { appId: knownApp(ctx, q.appId), tradeNo: knownTrade(ctx, q.tradeNo), state: q.state as NotifyTask['state'] | undefined }));
    },
  },
  {
    method: 'GET',
    path: '/notifies/:id',
    summary: 'one notify task: its parameters, state and every attempt',
    handle: ({ ctx, params }) => ok(mustNotify(ctx, params.id!)),
  },
  {
    method: 'POST',
    path: '/notifies/:id/resend',
    summary: 'send a notify again now (also one that was delivered or given up on)',
    handle: async ({ ctx, req, params }) => {
      mustNotify(ctx, params.id!);
      check(z.strictObject({}), jsonBody(req));
      const n = notifierOf(ctx);
      if (!n) throw new AdminProblem('unavailable', 'the notify sender is not running in this sandbox, so nothing can be resent');
      await n.resend(params.id!);
      return ok(mustNotify(ctx, params.id!));
    },
  },
];
