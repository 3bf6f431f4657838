/**
 * `/avatar/<userId>.svg`: a plain avatar (the buyer's first character on a coloured circle) for
 * buyers without an avatar URL, so alipay.user.info.share always answers a working `avatar`.
 */
import type { SandboxContext } from '../context.js';
import type { Router, SandboxResponse } from '../http/router.js';
import { esc } from './html.js';

const COLOURS = ['#1677ff', '#13a8a8', '#fa8c16', '#eb2f96', '#722ed1', '#52c41a'];

export function registerAvatar(router: Router, ctx: SandboxContext): void {
  router.on('GET', /^\/avatar\/(?<userId>\d+)\.svg$/, (req): SandboxResponse => {
    const buyer = ctx.ledger.buyer(req.params.userId ?? '');
    if (!buyer) return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'no such buyer' };
    const colour = COLOURS[Number(buyer.userId.slice(-2)) % COLOURS.length]!;
    const letter = esc([...buyer.name][0] ?? '?');
    return {
      status: 200,
      headers: { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'public, max-age=3600' },
      body: `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120"><circle cx="60" cy="60" r="60" fill="${colour}"/><text x="60" y="78" font-size="52" text-anchor="middle" fill="#fff" font-family="sans-serif">${letter}</text></svg>`,
    };
  });
}
