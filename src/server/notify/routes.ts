/**
 * POST /notify/alipay — Alipay's async notify (alipay-protocol.md §3; payments-reliability.md
 * §2.1–2.5, §3.2, §4.1, §4.4). In order:
 *  (a) the raw body is INSERTed into `notifies`, verbatim, in its own statement, before anything
 *      else (so every arrival — forged, malformed, oversized — is on record);
 *  (b) verified with the client (RSA2 pinned: `sign_type=RSA` is refused, not downgraded);
 *  (c, d, e) checked against the order, applied and recorded in one transaction (apply.ts);
 *  then the answer, only after COMMIT.
 *
 * Answers (the body is what Alipay reads: exactly `success`, or `failure` so that it resends):
 *   200 success   applied, duplicate, ignored, and flagged state contradictions (apply.ts)
 *   200 failure   signed by Alipay but disagreeing with us (app, seller, amount, order, trade)
 *   400 failure   cannot be read or verified (bad or missing signature, RSA, malformed form)
 *   413 failure   body over 64 KiB (the first 64 KiB are recorded)
 *   415 failure   not application/x-www-form-urlencoded
 *   500 failure   our storage failed (an outage, not bad input: Alipay resends, nothing applied)
 * Bad input is never a 5xx, and nothing here throws past the handler.
 *
 * The route lives in its own encapsulated plugin with its own content-type handling, so the JSON
 * API is unaffected: every body reaches the handler as bytes, whatever it claims to be.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { AlipaySignatureError, type TradeNotify } from '../../alipay/index.js';
import type { ServerContext } from '../context.js';
import { withTransaction } from '../db/tx.js';
import { crashPoint } from '../crash.js';
import { applyVerifiedNotify, type Verdict } from './apply.js';
import { raiseOpenAlert } from './alerts.js';
import { EMPTY_BODY, NOTIFY_BODY_LIMIT, readRawNotifyBody, type RawNotifyBody } from './body.js';
import { lenientClaims, recordOutcome, storeArrival } from './record.js';

const originalContentType = new WeakMap<IncomingMessage, string | undefined>();

const FORM = /^application\/x-www-form-urlencoded\s*(;|$)/i;

export function registerNotifyRoutes(app: FastifyInstance, ctx: ServerContext): void {
  void app.register(async (scope) => {
    // Every body as bytes: remember the real content type and route all of them to one parser
    // (fastify answers 415 by itself for a content type it cannot parse, which would go unrecorded).
    scope.removeAllContentTypeParsers();
    scope.addHook('onRequest', async (req) => {
      originalContentType.set(req.raw, req.headers['content-type']);
      req.raw.headers['content-type'] = 'application/octet-stream';
    });
    scope.addContentTypeParser('*', readRawNotifyBody);
    scope.post('/notify/alipay', { schema: { hide: true } }, (req, reply) => handleNotify(ctx, req, reply));
  });
}

function answer(reply: FastifyReply, status: number, ack: boolean): FastifyReply {
  return reply.status(status).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(ack ? 'success' : 'failure');
}

async function handleNotify(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const body = (req.body as RawNotifyBody | undefined) ?? EMPTY_BODY;
  const contentType = originalContentType.get(req.raw) ?? null;
  const now = ctx.now();
  if (!body.complete) reply.header('connection', 'close');
  let rowId: number;
  try {
    rowId = await storeArrival(ctx.pool, { raw: body.bytes, contentType, remoteAddr: req.ip ?? null, receivedAt: now });
  } catch (err) {
    req.log.error({ err }, 'notify: could not store the arrival; answering failure so that Alipay resends');
    return answer(reply, 500, false);
  }
  crashPoint('notify.after_store');
  try {
    const v = await processNotify(ctx, rowId, body, contentType, now);
    crashPoint('notify.after_commit');
    req.log.info({ notifyRow: rowId, outcome: v.outcome, orderId: v.orderId, ack: v.ack }, `notify: ${v.outcome} (${v.reason})`);
    return answer(reply, v.status, v.ack);
  } catch (err) {
    req.log.error({ err, notifyRow: rowId }, 'notify: processing failed; nothing applied, answering failure so that Alipay resends');
    await recordOutcome(ctx.pool, rowId, { outcome: 'error', reason: `not processed: ${(err as Error)?.message ?? String(err)}`, claims: lenientClaims(body.bytes), now }, { onlyIfUnprocessed: true }).catch(() => {});
    return answer(reply, 500, false);
  }
}

async function reject(ctx: ServerContext, rowId: number, raw: Buffer, reason: string, status: number, now: Date): Promise<Verdict> {
  await withTransaction(ctx.pool, async (c) => {
    await recordOutcome(c, rowId, { outcome: 'rejected', reason, claims: lenientClaims(raw), now });
    await raiseOpenAlert(c, { kind: 'notify_rejected', notifyRowId: rowId, detail: { reason }, now });
  });
  return { outcome: 'rejected', reason, ack: false, status };
}

async function processNotify(ctx: ServerContext, rowId: number, body: RawNotifyBody, contentType: string | null, now: Date): Promise<Verdict> {
  if (body.tooLarge) {
    const size = body.complete ? `${body.total} bytes` : `at least ${body.total} bytes (reading stopped)`;
    return reject(ctx, rowId, Buffer.alloc(0), `body too large: ${size}, the limit is ${NOTIFY_BODY_LIMIT}; the first ${body.bytes.length} bytes are kept`, 413, now);
  }
  if (!contentType || !FORM.test(contentType)) {
    return reject(ctx, rowId, body.bytes, `content type ${JSON.stringify(contentType ?? '(none)')} is not application/x-www-form-urlencoded`, 415, now);
  }
  let n: TradeNotify;
  try {
    n = ctx.alipay.verifyNotify(body.bytes);
  } catch (err) {
    const reason =
      err instanceof AlipaySignatureError
        ? `${err.code === 'ERR_NOTIFY_MALFORMED' ? 'malformed' : 'signature'}: ${err.message}`
        : `unverifiable: ${(err as Error)?.message ?? String(err)}`;
    return reject(ctx, rowId, body.bytes, reason, 400, now);
  }
  return withTransaction(ctx.pool, (c) => applyVerifiedNotify(c, ctx, rowId, n, now));
}
