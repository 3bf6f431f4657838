/**
 * The sandbox's pages, for the buyer's browser and the developer: the cashier (wap/page pay,
 * tradePay), the OAuth authorize page, the precreate QR link, the wallet with payment codes, the
 * JS bridge script, avatars, and the dashboard. `registerPages` adds their routes.
 */
import type { SandboxContext } from '../context.js';
import type { Router } from '../http/router.js';
import { registerCashier } from './cashier.js';
import { registerOAuth } from './oauth.js';
import { registerQr } from './qr.js';
import { registerWallet } from './wallet.js';
import { registerJsBridge } from './jsbridge.js';
import { registerAvatar } from './avatar.js';
import { registerDashboard } from './dashboard.js';

export { setBridgeReport, bridgeReportOf, RESULT_CODES } from './bridge-result.js';

export function registerPages(router: Router, ctx: SandboxContext): void {
  registerCashier(router, ctx);
  registerOAuth(router, ctx);
  registerQr(router, ctx);
  registerWallet(router, ctx);
  registerJsBridge(router, ctx);
  registerAvatar(router, ctx);
  registerDashboard(router, ctx);
}
