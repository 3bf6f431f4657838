/**
 * The barcode payments part (当面付条码): its routes under /v1 and its durable jobs
 * (`barcode.settle`: query until paid or the deadline, then cancel; `barcode.void`: cancel after
 * a definite refusal). See start.ts, settle.ts and void.ts.
 */
import type { ServerPart } from '../parts.js';
import { SETTLE_JOB, VOID_JOB } from './outcome.js';
import { registerBarcodeRoutes } from './routes.js';
import { settleHandler } from './settle.js';
import { voidHandler } from './void.js';

export const barcodePart: ServerPart = {
  name: 'barcode',
  routes: registerBarcodeRoutes,
  jobs: (ctx) => ({ [SETTLE_JOB]: settleHandler(ctx), [VOID_JOB]: voidHandler(ctx) }),
};
