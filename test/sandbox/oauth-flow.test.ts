/**
 * OAuth against the sandbox (alipay-protocol.md §6.1, §6.2, §7): the authorize page driven over
 * HTTP (auth_base silent, auth_user consent, state echoed, redirect_uri rules), then
 * alipay.system.oauth.token and alipay.user.info.share through the official alipay-sdk (every
 * success verified) and through our AlipayClient.oauth.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { AlipaySdk } from 'alipay-sdk';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { ManualClock } from '../../src/sandbox/clock.js';
import { AlipayClient, AlipayGatewayError } from '../../src/alipay/index.js';
import type { SandboxApp } from '../../src/sandbox/state/model.js';

const sandbox = await createSandbox();
const clock = new ManualClock(new Date());
const timed = await createSandbox({ clock, timestampToleranceMs: 400 * 86_400_000 });
after(() => Promise.all([sandbox.close(), timed.close()]));

const buyer = sandbox.buyers[0]!;
const CALLBACK = 'https://merchant.example/oauth/callback';

function addApp(s: Sandbox, appId: string, patch: Partial<SandboxApp> = {}): string {
  const base = s.ctx.ledger.app(s.appId)!;
  s.ctx.ledger.putApp({ ...base, appId, name: `app ${appId}`, ...patch });
  return appId;
}
const OTHER_APP = addApp(sandbox, '9021000100000077');
const OPENID_APP = addApp(sandbox, '9021000100000078', { openIdMode: true });
const STRICT_APP = addApp(sandbox, '9021000100000079', { redirectUris: ['https://auth.example.com/authCallBack'] });

const officialFor = (s: Sandbox, appId = s.appId) =>
  new AlipaySdk({ appId, privateKey: s.appPrivateKey, keyType: 'PKCS8', alipayPublicKey: s.alipayPublicKey, gateway: s.gateway, camelcase: false });
const clientFor = (s: Sandbox, appId = s.appId) =>
  new AlipayClient({ appId, privateKey: s.appPrivateKey, alipayPublicKey: s.alipayPublicKey, gateway: s.gateway, oauthAuthorizeUrl: `${s.baseUrl}/oauth2/publicAppAuthorize.htm` });
const official = officialFor(sandbox);

const authorizeUrl = (s: Sandbox, q: Record<string, string>) => `${s.baseUrl}/oauth2/publicAppAuthorize.htm?${new URLSearchParams(q)}`;
const post = (url: string, fields: Record<string, string>, cookie?: string) =>
  fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) }, body: new URLSearchParams(fields) });
const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0]!;

/** Logs in on the authorize page (and consents for auth_user); answers the callback URL and the cookie. */
async function authorize(s: Sandbox, q: Record<string, string>, who = s.buyers[0]!): Promise<{ callback: URL; cookie: string }> {
  const url = authorizeUrl(s, q);
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /name="logon_id"/);
  let res = await post(url, { action: 'login', logon_id: who.logonId, password: who.password });
  const cookie = cookieOf(res);
  assert.match(cookie, /^zfb_buyer=/);
  if (res.status === 200) {
    const consent = await res.text();
    assert.match(consent, /授权/);
    const session = /name="session" value="([^"]+)"/.exec(consent)![1]!;
    res = await post(url, { action: 'consent', session });
  }
  assert.equal(res.status, 302);
  return { callback: new URL(res.headers.get('location')!), cookie };
}

test('auth_base: login, then straight back with app_id, source, scope, auth_code and state; the code exchanges once', async () => {
  const { callback } = await authorize(sandbox, { app_id: sandbox.appId, scope: 'auth_base', redirect_uri: `${CALLBACK}?from=menu`, state: 'x/y+z 1' });
  assert.equal(`${callback.origin}${callback.pathname}`, CALLBACK);
  const q = callback.searchParams;
  assert.equal(q.get('from'), 'menu', 'the redirect_uri query is kept');
  assert.equal(q.get('app_id'), sandbox.appId);
  assert.equal(q.get('source'), 'alipay_wallet');
  assert.equal(q.get('scope'), 'auth_base');
  assert.equal(q.get('state'), 'x/y+z 1');
  const code = q.get('auth_code')!;
  assert.match(code, /^[0-9a-f]{32}$/);

  const token = await official.exec('alipay.system.oauth.token', { grantType: 'authorization_code', code }, { validateSign: true });
  assert.equal(token.user_id, buyer.userId);
  assert.equal(token.expires_in, 1296000);
  assert.equal(token.re_expires_in, 2592000);
  assert.equal(typeof token.access_token, 'string');
  assert.equal(typeof token.refresh_token, 'string');
  assert.match(token.auth_start, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.equal(token.code, undefined, 'no code/msg in the success node');
  assert.equal(token.msg, undefined);

  // Single use: the second exchange fails, as a signed error_response.
  const again = await official.exec('alipay.system.oauth.token', { grantType: 'authorization_code', code });
  assert.equal(again.code, '40002');
  assert.equal(again.sub_code, 'isv.code-invalid');
  assert.equal(again.sub_msg, '授权码code无效');
  await assert.rejects(clientFor(sandbox).oauth.exchangeCode(code), (e: unknown) => {
    assert.ok(e instanceof AlipayGatewayError);
    assert.equal(e.subCode, 'isv.code-invalid');
    assert.equal((e as AlipayGatewayError & { verified: boolean }).verified, true, 'the error_response is signed');
    return true;
  });
});

test('the raw error_response: under error_response, signed, with Alipay\'s fields', async () => {
  const { params } = clientFor(sandbox).sign('alipay.system.oauth.token', { params: { grant_type: 'authorization_code', code: 'not-a-code' } });
  const body = await (await fetch(sandbox.gateway, { method: 'POST', body: new URLSearchParams(params) })).text();
  assert.match(body, /^\{"error_response":\{"code":"40002","msg":"Invalid Arguments","sub_code":"isv\.code-invalid","sub_msg":"授权码code无效"\},"sign":"[A-Za-z0-9+/=]{344}"\}$/);
});

test('auth_base is silent when the zfb_buyer cookie says who is logged in', async () => {
  const { cookie } = await authorize(sandbox, { app_id: sandbox.appId, scope: 'auth_base', redirect_uri: CALLBACK });
  const res = await fetch(authorizeUrl(sandbox, { app_id: sandbox.appId, scope: 'auth_base', redirect_uri: CALLBACK, state: 's2' }), { redirect: 'manual', headers: { cookie } });
  assert.equal(res.status, 302);
  const q = new URL(res.headers.get('location')!).searchParams;
  assert.equal(q.get('state'), 's2');
  assert.ok(q.get('auth_code'));
  // A forged cookie is ignored: the login form again.
  const forged = await fetch(authorizeUrl(sandbox, { app_id: sandbox.appId, scope: 'auth_base', redirect_uri: CALLBACK }), { headers: { cookie: `zfb_buyer=${sandbox.buyers[1]!.userId}.AAAAAAAAAAAAAAAAAAAAAA` } });
  assert.equal(forged.status, 200);
  assert.match(await forged.text(), /name="logon_id"/);
});

test('auth_user: consent screen first; the token reads the profile; an auth_base token may not', async () => {
  const url = authorizeUrl(sandbox, { app_id: sandbox.appId, scope: 'auth_user', redirect_uri: CALLBACK, state: 'u1' });
  const login = await post(url, { action: 'login', logon_id: buyer.logonId, password: buyer.password });
  assert.equal(login.status, 200, 'no redirect before consent');
  const consent = await login.text();
  assert.match(consent, /value="consent"/);
  assert.match(consent, /value="deny"/);

  // With the cookie, the consent screen comes at once.
  const withCookie = await fetch(url, { headers: { cookie: cookieOf(login) } });
  assert.match(await withCookie.text(), /value="consent"/);

  const { callback } = await authorize(sandbox, { app_id: sandbox.appId, scope: 'auth_user', redirect_uri: CALLBACK, state: 'u1' });
  assert.equal(callback.searchParams.get('scope'), 'auth_user');
  assert.equal(callback.searchParams.get('state'), 'u1');
  const client = clientFor(sandbox);
  const token = await client.oauth.exchangeCode(callback.searchParams.get('auth_code')!);
  assert.equal(token.userId, buyer.userId);
  assert.equal(token.expiresIn, 1296000);

  const info = await official.exec('alipay.user.info.share', { auth_token: token.accessToken }, { validateSign: true });
  assert.equal(info.code, '10000');
  assert.equal(info.user_id, buyer.userId);
  assert.equal(info.nick_name, buyer.name);
  assert.equal(info.is_certified, 'T');
  assert.equal(info.user_type, '2');
  assert.equal(info.user_status, 'T');
  assert.ok(info.city && info.province && info.gender);
  const avatar = await fetch(info.avatar);
  assert.equal(avatar.status, 200);
  assert.match(avatar.headers.get('content-type') ?? '', /image\/svg/);
  assert.equal((await client.oauth.userInfo(token.accessToken)).nick_name, buyer.name);

  const base = await authorize(sandbox, { app_id: sandbox.appId, scope: 'auth_base', redirect_uri: CALLBACK });
  const baseToken = await client.oauth.exchangeCode(base.callback.searchParams.get('auth_code')!);
  const refused = await official.exec('alipay.user.info.share', { auth_token: baseToken.accessToken }, { validateSign: true });
  assert.equal(refused.code, '40006');
  assert.equal(refused.sub_code, 'isv.insufficient-user-permissions');
  const bogus = await official.exec('alipay.user.info.share', { auth_token: 'authusrBnope' }, { validateSign: true });
  assert.equal(bogus.code, '20001');
  assert.equal(bogus.sub_code, 'aop.invalid-auth-token');
});

test('declining consent sends nothing back', async () => {
  const url = authorizeUrl(sandbox, { app_id: sandbox.appId, scope: 'auth_user', redirect_uri: CALLBACK });
  const login = await post(url, { action: 'login', logon_id: buyer.logonId, password: buyer.password });
  const session = /name="session" value="([^"]+)"/.exec(await login.text())![1]!;
  const res = await post(url, { action: 'deny', session });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /已取消授权/);
});

test('scope lists: auth_base,auth_user is an auth_user grant, echoed as asked', async () => {
  const { callback } = await authorize(sandbox, { app_id: sandbox.appId, scope: 'auth_base,auth_user', redirect_uri: CALLBACK });
  assert.equal(callback.searchParams.get('scope'), 'auth_base,auth_user');
  const token = await clientFor(sandbox).oauth.exchangeCode(callback.searchParams.get('auth_code')!);
  assert.equal((await clientFor(sandbox).oauth.userInfo(token.accessToken)).user_id, buyer.userId);
});

test('the login form: wrong password is an error on the page', async () => {
  const res = await post(authorizeUrl(sandbox, { app_id: sandbox.appId, scope: 'auth_base', redirect_uri: CALLBACK }), { action: 'login', logon_id: buyer.logonId, password: 'wrong' });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /账户名或密码错误/);
});

test('bad authorize links are error pages, never redirects', async () => {
  const check = async (q: Record<string, string>, pattern: RegExp) => {
    const res = await fetch(authorizeUrl(sandbox, q), { redirect: 'manual' });
    assert.equal(res.status, 400, JSON.stringify(q));
    assert.match(await res.text(), pattern);
  };
  await check({ app_id: '2021999999999999', scope: 'auth_base', redirect_uri: CALLBACK }, /app_id/);
  await check({ scope: 'auth_base', redirect_uri: CALLBACK }, /app_id/);
  await check({ app_id: sandbox.appId, scope: 'auth_userinfo', redirect_uri: CALLBACK }, /scope/);
  await check({ app_id: sandbox.appId, redirect_uri: CALLBACK }, /scope/);
  await check({ app_id: sandbox.appId, scope: 'auth_base' }, /redirect_uri/);
  await check({ app_id: sandbox.appId, scope: 'auth_base', redirect_uri: 'javascript:alert(1)' }, /http/);
  await check({ app_id: STRICT_APP, scope: 'auth_base', redirect_uri: 'https://www.example.com/authCallBack' }, /redirect_uri 与配置的授权回调地址不一致/);
  // The configured host, any page, http or https (the documented rule).
  for (const ok of ['https://auth.example.com/authCallBack', 'http://auth.example.com/authRedirect', 'https://auth.example.com/']) {
    const res = await fetch(authorizeUrl(sandbox, { app_id: STRICT_APP, scope: 'auth_base', redirect_uri: ok }));
    assert.equal(res.status, 200, ok);
  }
});

test('a code works only for the app it was issued to', async () => {
  const { callback } = await authorize(sandbox, { app_id: sandbox.appId, scope: 'auth_base', redirect_uri: CALLBACK });
  const code = callback.searchParams.get('auth_code')!;
  const other = await officialFor(sandbox, OTHER_APP).exec('alipay.system.oauth.token', { grantType: 'authorization_code', code });
  assert.equal(other.sub_code, 'isv.code-invalid');
  // Refused by the other app, it is still good for its own.
  const own = await official.exec('alipay.system.oauth.token', { grantType: 'authorization_code', code }, { validateSign: true });
  assert.equal(own.user_id, buyer.userId);
});

test('openid mode: oauth.token and user.info.share answer open_id, not user_id', async () => {
  const { callback } = await authorize(sandbox, { app_id: OPENID_APP, scope: 'auth_user', redirect_uri: CALLBACK });
  const client = clientFor(sandbox, OPENID_APP);
  const token = await client.oauth.exchangeCode(callback.searchParams.get('auth_code')!);
  assert.equal(token.userId, undefined);
  assert.match(token.openId ?? '', /^0\S{42}$/);
  const info = await client.oauth.userInfo(token.accessToken);
  assert.equal(info.open_id, token.openId);
  assert.equal(info.user_id, undefined);
});

test('refresh: new tokens, the old pair revoked, a refresh token works once', async () => {
  const client = clientFor(sandbox);
  const { callback } = await authorize(sandbox, { app_id: sandbox.appId, scope: 'auth_user', redirect_uri: CALLBACK });
  const first = await client.oauth.exchangeCode(callback.searchParams.get('auth_code')!);
  const res = await official.exec('alipay.system.oauth.token', { grantType: 'refresh_token', refreshToken: first.refreshToken }, { validateSign: true });
  assert.equal(res.user_id, buyer.userId);
  assert.notEqual(res.access_token, first.accessToken);
  assert.notEqual(res.refresh_token, first.refreshToken);
  assert.equal(res.expires_in, 1296000);

  await assert.rejects(client.oauth.userInfo(first.accessToken), (e: unknown) => e instanceof AlipayGatewayError && e.subCode === 'aop.invalid-auth-token');
  assert.equal((await client.oauth.userInfo(res.access_token)).user_id, buyer.userId, 'the new token keeps the auth_user scope');
  await assert.rejects(client.oauth.refreshToken(first.refreshToken), (e: unknown) => e instanceof AlipayGatewayError && e.subCode === 'isv.refresh-token-invalid');
  const second = await client.oauth.refreshToken(res.refresh_token);
  assert.equal(second.userId, buyer.userId);
  // Another app cannot use it.
  const other = await officialFor(sandbox, OTHER_APP).exec('alipay.system.oauth.token', { grantType: 'refresh_token', refreshToken: second.refreshToken });
  assert.equal(other.sub_code, 'isv.refresh-token-invalid');
  const grant = await official.exec('alipay.system.oauth.token', { grantType: 'password' });
  assert.equal(grant.sub_code, 'isv.grant-type-invalid');
});

test('expiry with a manual clock: the code after 24 h, the access token after 15 days, the refresh token after 30', async () => {
  const client = clientFor(timed);
  const code = async (scope = 'auth_user') => (await authorize(timed, { app_id: timed.appId, scope, redirect_uri: CALLBACK })).callback.searchParams.get('auth_code')!;

  const stale = await code();
  await clock.advance(24 * 3600_000 - 1000);
  const fresh = await client.oauth.exchangeCode(stale); // just in time
  const late = await code();
  await clock.advance(24 * 3600_000 + 1000);
  await assert.rejects(client.oauth.exchangeCode(late), (e: unknown) => e instanceof AlipayGatewayError && e.subCode === 'isv.code-invalid');

  // fresh was issued ~24 h ago: still valid; after 15 days it is not.
  assert.ok(await client.oauth.userInfo(fresh.accessToken));
  await clock.advance(14 * 86_400_000);
  await assert.rejects(client.oauth.userInfo(fresh.accessToken), (e: unknown) => e instanceof AlipayGatewayError && e.gatewayCode === '20001' && e.subCode === 'aop.auth-token-time-out');
  const renewed = await client.oauth.refreshToken(fresh.refreshToken); // the refresh token outlives it
  assert.ok(await client.oauth.userInfo(renewed.accessToken));
  await clock.advance(31 * 86_400_000);
  await assert.rejects(client.oauth.refreshToken(renewed.refreshToken), (e: unknown) => e instanceof AlipayGatewayError && e.subCode === 'isv.refresh-token-time-out');
});

test('our client builds the authorize URL the page accepts', async () => {
  const client = clientFor(sandbox);
  const url = client.oauth.authorizeUrl({ scope: 'auth_base', redirectUri: `${CALLBACK}?a=1&b=中文`, state: 'st' });
  const login = await post(url, { action: 'login', logon_id: buyer.logonId, password: buyer.password });
  assert.equal(login.status, 302);
  const back = new URL(login.headers.get('location')!);
  assert.equal(back.searchParams.get('b'), '中文');
  assert.equal(back.searchParams.get('state'), 'st');
  const token = await client.oauth.exchangeCode(back.searchParams.get('auth_code')!);
  assert.equal(token.userId, buyer.userId);
});
