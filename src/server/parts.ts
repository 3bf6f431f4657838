/**
 * The server's parts beyond orders: each may add routes (under /v1 with the API key, or public
 * ones registered on the root app) and start background work (durable jobs), returning how to
 * stop it: the ways to pay (pay/: JSAPI, QR; and the job closing an order's other attempts),
 * barcode payments, refunds, notify intake, the hosted checkout, the expiry sweeper.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from './context.js';
import type { JobHandler } from './db/jobs.js';
import { barcodePart } from './barcode/part.js';
import { refundsPart } from './refunds/index.js';
import { notifyPart } from './notify/part.js';
import { checkoutPart } from './checkout/part.js';
import { sweeperPart } from './sweeper/part.js';
import { payPart } from './pay/part.js';

export interface ServerPart {
  name: string;
  /** Routes under /v1 (the API key is required there). */
  routes?: (v1: FastifyInstance, ctx: ServerContext) => void;
  /** Public routes on the root app (notify intake, checkout, return URL): no API key. */
  publicRoutes?: (app: FastifyInstance, ctx: ServerContext) => void;
  /** Durable job handlers by kind; one JobRunner per process runs them all. */
  jobs?: (ctx: ServerContext) => Record<string, JobHandler>;
  /** Other background work; returns how to stop it. */
  start?: (ctx: ServerContext) => (() => Promise<void>) | undefined;
}

export const SERVER_PARTS: ServerPart[] = [payPart, barcodePart, refundsPart, notifyPart, checkoutPart, sweeperPart];
