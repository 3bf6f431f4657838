/** The shape of one admin route, and the JSON answers they give. */
import type { SandboxContext } from '../context.js';
import type { SandboxRequest, SandboxResponse } from '../http/router.js';

export type AdminMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface AdminCall {
  ctx: SandboxContext;
  req: SandboxRequest;
  /** Path parameters (`:appId` → params.appId), percent-decoded. */
  params: Record<string, string>;
}

export interface AdminRoute {
  method: AdminMethod;
  /** Below /admin, with `:name` segments: `/apps/:appId`. */
  path: string;
  /** One line for the route index (GET /admin) and the README. */
  summary: string;
  handle(call: AdminCall): SandboxResponse | Promise<SandboxResponse>;
}

export const ok = (value: unknown, status = 200): SandboxResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: `${JSON.stringify(value, null, 2)}\n`,
});

export const created = (value: unknown) => ok(value, 201);

export const noContent = (): SandboxResponse => ({ status: 204 });
