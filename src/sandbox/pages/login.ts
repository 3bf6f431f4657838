/**
 * The login fields every buyer-facing page shares (cashier, OAuth, QR): `logon_id` and
 * `password`, a plain form that works without JavaScript, and the sandbox buyers listed as hints
 * (account, password, balance); with JavaScript, tapping a hint fills the form.
 */
import type { SandboxContext } from '../context.js';
import type { Buyer } from '../state/model.js';
import { esc, yuan } from './html.js';

export interface LoginFieldsOptions {
  /** Pre-filled account (the logged-in buyer, or what was typed before an error). */
  logonId?: string;
  /** Show balances in the hints (the cashier does; OAuth does not need to). */
  balances?: boolean;
}

export function loginFields(ctx: SandboxContext, options: LoginFieldsOptions = {}): string {
  return (
    `<label for="logon_id">支付宝账户 <span class="en">account (phone or email)</span></label>` +
    `<input type="text" id="logon_id" name="logon_id" autocomplete="username" value="${esc(options.logonId ?? '')}" required>` +
    `<label for="password">密码 <span class="en">password</span></label>` +
    `<input type="password" id="password" name="password" autocomplete="current-password" required>`
  );
}

/** The table of sandbox buyers, under the form. */
export function buyerHints(ctx: SandboxContext, options: LoginFieldsOptions = {}): string {
  const rows = ctx.ledger
    .buyers()
    .map(
      (b: Buyer) =>
        `<tr><td><a href="#" class="zfb-fill" data-logon="${esc(b.logonId)}" data-password="${esc(b.password)}">${esc(b.logonId)}</a></td><td><code>${esc(b.password)}</code></td>` +
        (options.balances ? `<td class="num">¥${yuan(b.balanceFen)}</td>` : `<td>${esc(b.name)}</td>`) +
        `</tr>`,
    )
    .join('');
  return (
    `<div class="hint"><b>沙箱买家账号</b> <span class="en">sandbox buyers (tap to fill)</span>` +
    `<table><tr><th>账户 account</th><th>密码 password</th><th>${options.balances ? '余额 balance' : '名字 name'}</th></tr>${rows}</table></div>` +
    `<script>document.addEventListener('click',function(e){var a=e.target&&e.target.closest&&e.target.closest('.zfb-fill');if(!a)return;e.preventDefault();` +
    `var l=document.getElementById('logon_id'),p=document.getElementById('password');if(l)l.value=a.getAttribute('data-logon');if(p)p.value=a.getAttribute('data-password');});</script>`
  );
}
