/**
 * The OAuth authorize page, `/oauth2/publicAppAuthorize.htm?app_id&scope&redirect_uri&state`
 * (alipay-protocol.md §7, seed 000 step 1–2).
 *
 * Checks, each failure an error page (HTTP 400) and never a redirect:
 *  - app_id: a sandbox app.
 *  - scope: `auth_base` or `auth_user`, or a comma-separated list of them; a list containing
 *    auth_user is an auth_user grant. The callback echoes the scope as requested.
 *  - redirect_uri: http(s). When the app has redirectUris (授权回调地址), it must be on the same
 *    host as one of them: Alipay's documented rule (seed 000: with `https://auth.example.com/
 *    authCallBack` configured, any page of auth.example.com, http or https, may be the
 *    redirect_uri; www.example.com may not). Otherwise "redirect_uri 与配置的授权回调地址不一致".
 *  - state: echoed unchanged.
 *
 * Flow: the buyer logs in (same form as the cashier). auth_base is silent: straight back to
 * redirect_uri, at once when the `zfb_buyer` cookie already says who is logged in. auth_user
 * shows a consent screen ("授权") first. The callback is
 * `redirect_uri?app_id=…&source=alipay_wallet&scope=…&auth_code=…&state=…` (`&` when
 * redirect_uri has a query). The auth_code is single use, bound to the app, valid 24 hours
 * (methods/oauth-token.ts).
 *
 * Bridge mode (`bridge=1`, the JS bridge's getAuthCode, mini-program style): no redirect_uri; the
 * code is posted back to the bridge instead (bridge-result.ts), and only to `origin`, the merchant
 * page's origin, which takes redirect_uri's place in the checks: it must be an http(s) origin
 * (else JSAPI error 2, like any bad parameter) and, when the app has redirectUris, on the same
 * host as one of them, by the rule above (else error 4, and no code). So a page of another site
 * that frames this one gets no code for a logged-in buyer (jsbridge.ts, ORIGIN).
 */
import type { SandboxContext } from '../context.js';
import type { Router, SandboxRequest, SandboxResponse } from '../http/router.js';
import type { Buyer, SandboxApp } from '../state/model.js';
import { issueAuthCode, type OAuthScope } from '../methods/oauth-token.js';
import { esc, htmlResponse, messagePage, page } from './html.js';
import { buyerHints, loginFields } from './login.js';
import { buyerOfToken, buyerToken, checkLogin, formBody, loggedInBuyer, loginCookie } from './session.js';
import { appendQuery } from './return-url.js';
import { ANY_ORIGIN, bridgeOrigin, bridgeResultPage } from './bridge-result.js';

export const OAUTH_PATH = '/oauth2/publicAppAuthorize.htm';

export function registerOAuth(router: Router, ctx: SandboxContext): void {
  router.on('GET', OAUTH_PATH, (req) => authorizeGet(ctx, req));
  router.on('POST', OAUTH_PATH, (req) => authorizePost(ctx, req));
}

interface AuthRequest {
  app: SandboxApp;
  /** The scope as requested (echoed on the callback). */
  scopeText: string;
  /** The grant: auth_user when the request includes it. */
  scope: OAuthScope;
  redirectUri?: string;
  state?: string;
  bridge: boolean;
  /** Bridge mode: the merchant page's origin, the only one the outcome is posted to ('' otherwise). */
  origin: string;
  /** The query string to post the forms back to. */
  query: string;
}

type Parsed = { ok: AuthRequest } | { error: SandboxResponse };

function parse(ctx: SandboxContext, req: SandboxRequest): Parsed {
  const q = req.url.searchParams;
  const bridge = q.get('bridge') === '1';
  // First, so that every other answer in bridge mode goes to the merchant page's origin only.
  const checked = bridge ? bridgeOrigin(q.get('origin')) : { origin: '' };
  const origin = 'origin' in checked ? checked.origin : '';
  // getAuthCode: tell the bridge (JSAPI error 2: invalid parameter; 4: not allowed) rather than
  // leave the overlay open.
  const bad = (message: string, jsapiError = 2): Parsed => ({
    error: bridge
      ? bridgeResultPage({ type: 'getAuthCode', payload: { error: jsapiError, errorMessage: message } }, origin || ANY_ORIGIN, '授权失败', message, false)
      : messagePage('授权失败', message, '<p class="muted">zfb sandbox: the authorize link is not valid for this app (alipay-protocol.md §7).</p>', 400),
  });
  if ('error' in checked) return bad(checked.error);
  const appId = q.get('app_id') ?? '';
  if (!appId) return bad('缺少参数 app_id (missing app_id)');
  const app = ctx.ledger.app(appId);
  if (!app) return bad(`无效的 app_id：${appId} (unknown app)`);
  const scopeText = q.get('scope') ?? '';
  const scopes = scopeText.split(',').map((s) => s.trim());
  if (!scopeText || scopes.some((s) => s !== 'auth_base' && s !== 'auth_user')) return bad(`无效的 scope：${scopeText || '(空)'}，应为 auth_base 或 auth_user (invalid scope)`);
  const scope: OAuthScope = scopes.includes('auth_user') ? 'auth_user' : 'auth_base';
  const state = q.get('state') ?? undefined;
  const query = req.url.search.slice(1);
  if (bridge) {
    // The page's origin stands in for redirect_uri: same rule, same helper.
    if (app.redirectUris.length > 0 && !app.redirectUris.some((configured) => sameHost(configured, new URL(origin)))) {
      return bad(`页面域名与配置的授权回调地址不一致 (the page's origin ${origin} does not match the app's callback: ${app.redirectUris.join(', ')})`, 4);
    }
    return { ok: { app, scopeText, scope, state, bridge, origin, query } };
  }

  const redirectUri = q.get('redirect_uri') ?? '';
  if (!redirectUri) return bad('缺少参数 redirect_uri (missing redirect_uri)');
  let target: URL;
  try {
    target = new URL(redirectUri);
  } catch {
    return bad(`redirect_uri 不是合法的地址：${redirectUri}`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return bad('redirect_uri 必须以 http 或 https 开头 (must be http or https)');
  if (app.redirectUris.length > 0 && !app.redirectUris.some((configured) => sameHost(configured, target))) {
    return bad(`redirect_uri 与配置的授权回调地址不一致 (redirect_uri does not match the app's callback: ${app.redirectUris.join(', ')})`);
  }
  return { ok: { app, scopeText, scope, redirectUri, state, bridge, origin, query } };
}

function sameHost(configured: string, target: URL): boolean {
  try {
    return new URL(configured).host.toLowerCase() === target.host.toLowerCase();
  } catch {
    return false;
  }
}

function authorizeGet(ctx: SandboxContext, req: SandboxRequest): SandboxResponse {
  const parsed = parse(ctx, req);
  if ('error' in parsed) return parsed.error;
  const ar = parsed.ok;
  const buyer = req.url.searchParams.get('switch') === '1' ? undefined : loggedInBuyer(ctx, req);
  if (!buyer) return loginPage(ctx, ar);
  if (ar.scope === 'auth_base') return grant(ctx, ar, buyer);
  return consentPage(ctx, ar, buyer);
}

function authorizePost(ctx: SandboxContext, req: SandboxRequest): SandboxResponse {
  const parsed = parse(ctx, req);
  if ('error' in parsed) return parsed.error;
  const ar = parsed.ok;
  const body = formBody(req);

  if (body.action === 'consent' || body.action === 'deny') {
    const buyer = buyerOfToken(ctx, body.session) ?? loggedInBuyer(ctx, req);
    if (!buyer) return loginPage(ctx, ar, '请先登录 (log in first)');
    if (body.action === 'deny') return denied(ar);
    return grant(ctx, ar, buyer);
  }

  const login = checkLogin(ctx, body.logon_id, body.password);
  if ('error' in login) return loginPage(ctx, ar, login.error, body.logon_id);
  const cookie = { 'set-cookie': loginCookie(ctx, login.buyer.userId) };
  const next = ar.scope === 'auth_base' ? grant(ctx, ar, login.buyer) : consentPage(ctx, ar, login.buyer);
  return { ...next, headers: { ...next.headers, ...cookie } };
}

/** Issues the code and sends it back: a 302 to redirect_uri, or a message to the bridge. */
function grant(ctx: SandboxContext, ar: AuthRequest, buyer: Buyer): SandboxResponse {
  const code = issueAuthCode(ctx, ar.app.appId, buyer.userId, ar.scope);
  if (ar.bridge) {
    const scopes = ar.scopeText.split(',').map((s) => s.trim());
    return bridgeResultPage(
      { type: 'getAuthCode', payload: { authCode: code.code, authSuccessScopes: scopes, authErrorScopes: {} } },
      ar.origin,
      '授权成功',
      `${buyer.name} 已授权 ${ar.app.name}`,
      true,
    );
  }
  const query = [`app_id=${encodeURIComponent(ar.app.appId)}`, 'source=alipay_wallet', `scope=${encodeURIComponent(ar.scopeText)}`, `auth_code=${code.code}`];
  if (ar.state !== undefined) query.push(`state=${encodeURIComponent(ar.state)}`);
  return { status: 302, headers: { location: appendQuery(ar.redirectUri!, query.join('&')), 'cache-control': 'no-store' }, body: '' };
}

function denied(ar: AuthRequest): SandboxResponse {
  if (ar.bridge) {
    return bridgeResultPage({ type: 'getAuthCode', payload: { error: 11, errorMessage: '用户取消授权' } }, ar.origin, '已取消授权', '用户取消授权 (cancelled)', false);
  }
  return htmlResponse(page('已取消授权', `<div class="card"><h1>已取消授权 <span class="en">authorization declined</span></h1><p class="muted">${esc(ar.app.name)} 未获得授权，可关闭本页面。</p></div>`));
}

function appCard(ar: AuthRequest): string {
  return (
    `<div class="card center"><h1>${esc(ar.app.name)}</h1><p class="muted">申请${ar.scope === 'auth_user' ? '获取你的公开信息（头像、昵称、地区）' : '获取你的支付宝用户标识'}` +
    ` <span class="en">${ar.scope === 'auth_user' ? 'asks for your profile (avatar, nickname, region)' : 'asks for your user id'} — scope ${esc(ar.scopeText)}</span></p></div>`
  );
}

function loginPage(ctx: SandboxContext, ar: AuthRequest, error?: string, logonId?: string): SandboxResponse {
  const body =
    appCard(ar) +
    `<div class="card"><h2>登录支付宝 <span class="en">log in to Alipay</span></h2>` +
    (error ? `<div class="error">${esc(error)}</div>` : '') +
    `<form method="post" action="${OAUTH_PATH}?${esc(ar.query)}"><input type="hidden" name="action" value="login">${loginFields(ctx, { logonId })}` +
    `<button type="submit">${ar.scope === 'auth_user' ? '登录 <span class="en">log in</span>' : '登录并授权 <span class="en">log in and continue</span>'}</button></form>` +
    `${buyerHints(ctx)}</div>`;
  return htmlResponse(page('支付宝登录', body, { bridge: ar.bridge }), error ? 400 : 200);
}

function consentPage(ctx: SandboxContext, ar: AuthRequest, buyer: Buyer): SandboxResponse {
  const session = esc(buyerToken(ctx, buyer.userId));
  const action = `${OAUTH_PATH}?${esc(ar.query)}`;
  const switchHref = `${OAUTH_PATH}?${ar.query}&switch=1`;
  const body =
    appCard(ar) +
    `<div class="card"><h2>授权 <span class="en">consent</span></h2>` +
    `<p>当前账户 <span class="en">account</span>：<b>${esc(buyer.name)}</b> (${esc(buyer.logonId)}) — <a href="${esc(switchHref)}">切换账户 <span class="en">switch</span></a></p>` +
    `<p class="muted">同意后，${esc(ar.app.name)} 将获得：头像、昵称、性别、所在省市 <span class="en">on consent the app may read your avatar, nickname, gender, province and city</span></p>` +
    `<form method="post" action="${action}"><input type="hidden" name="session" value="${session}"><input type="hidden" name="action" value="consent">` +
    `<button type="submit">授权 <span class="en">allow</span></button></form>` +
    `<form method="post" action="${action}"><input type="hidden" name="session" value="${session}"><input type="hidden" name="action" value="deny">` +
    `<button type="submit" class="secondary">取消 <span class="en">decline</span></button></form></div>`;
  return htmlResponse(page('支付宝授权', body, { bridge: ar.bridge }));
}
