/**
 * Wires the sandbox's parts beyond the gateway into the router: pages, admin API, notify sender.
 * Each part owns a `register(router, ctx)`.
 */
import type { Router } from './http/router.js';
import type { SandboxContext } from './context.js';
import { startNotifier } from './notify/index.js';
import { registerAdmin } from './admin/index.js';
import { registerPages } from './pages/index.js';
import { registerBillRoutes } from './bill/routes.js';

export function registerParts(_router: Router, _ctx: SandboxContext): void {
  startNotifier(_ctx);
  registerAdmin(_router, _ctx);
  registerPages(_router, _ctx);
  registerBillRoutes(_router, _ctx);
  // Filled in as the parts land: notify sender, admin API, cashier and OAuth pages, wallet, JS bridge.
}
