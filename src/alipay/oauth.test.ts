import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, success, offline, offlineClient, TEST_APP_ID } from '../../test/support/fake-gateway.js';
import { signedResponse } from '../../test/support/alipay-signing.js';
import { alipayKeys } from '../../test/support/keys.js';
import { authorizeUrl, exchangeCode, refreshToken, userInfo } from './oauth.js';
import { AlipayGatewayError, AlipaySignatureError, AlipayValidationError } from './errors.js';

const gateway = await startGateway();
after(() => gateway.close());
const client = gateway.client();

const OAUTH = 'https://openauth.alipay.com/oauth2/publicAppAuthorize.htm';

/** The sandbox sample's shape: numbers for the lifetimes, no code/msg on success. */
function tokenReply(fields: Record<string, unknown>) {
  return (p: Record<string, string>) =>
    signedResponse(p.method!, { access_token: 'authusrB5a1f0c2d3e4f5a6b7c8d9e0f1a2b3c4d5', alipay_user_id: '20881007', expires_in: 1296000, re_expires_in: 2592000, refresh_token: 'authusrBc1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6', auth_start: '2026-11-20 10:00:00', ...fields }, alipayKeys.privateKey);
}

test('authorizeUrl: exact URL for both scopes, with state', () => {
  assert.equal(
    authorizeUrl(client, { scope: 'auth_base', redirectUri: 'https://shop.example.com/cb', state: 'x1Y-_=' }),
    `${OAUTH}?app_id=${TEST_APP_ID}&scope=auth_base&redirect_uri=https%3A%2F%2Fshop.example.com%2Fcb&state=x1Y-_%3D`,
  );
  assert.equal(
    client.oauth.authorizeUrl({ scope: 'auth_user', redirectUri: 'http://127.0.0.1:3000/cb', state: 'abc' }),
    `${OAUTH}?app_id=${TEST_APP_ID}&scope=auth_user&redirect_uri=http%3A%2F%2F127.0.0.1%3A3000%2Fcb&state=abc`,
  );
  assert.equal(authorizeUrl(client, { scope: 'auth_base', redirectUri: 'https://a.example/cb' }), `${OAUTH}?app_id=${TEST_APP_ID}&scope=auth_base&redirect_uri=https%3A%2F%2Fa.example%2Fcb`);
});

test('authorizeUrl: a redirect_uri with its own query and Chinese is encoded exactly once', () => {
  const redirectUri = 'https://shop.example.com/回调?a=1&b=2';
  const url = authorizeUrl(client, { scope: 'auth_user', redirectUri });
  assert.equal(url, `${OAUTH}?app_id=${TEST_APP_ID}&scope=auth_user&redirect_uri=https%3A%2F%2Fshop.example.com%2F%E5%9B%9E%E8%B0%83%3Fa%3D1%26b%3D2`);
  assert.equal(new URL(url).searchParams.get('redirect_uri'), redirectUri);
});

test('authorizeUrl: without a client, and with a configured OAuth page that has a query', () => {
  assert.equal(authorizeUrl({ appId: '2021000000000001' }, { scope: 'auth_base', redirectUri: 'https://a.example/cb' }), `${OAUTH}?app_id=2021000000000001&scope=auth_base&redirect_uri=https%3A%2F%2Fa.example%2Fcb`);
  const sandbox = gateway.client({ oauthAuthorizeUrl: 'http://127.0.0.1:8080/oauth?env=dev' });
  assert.equal(sandbox.oauth.authorizeUrl({ scope: 'auth_base', redirectUri: 'https://a.example/cb' }), `http://127.0.0.1:8080/oauth?env=dev&app_id=${TEST_APP_ID}&scope=auth_base&redirect_uri=https%3A%2F%2Fa.example%2Fcb`);
});

test('authorizeUrl: refuses a bad scope, redirectUri, state or app id', () => {
  const field = (fn: () => unknown, name: string) => assert.throws(fn, (e: unknown) => e instanceof AlipayValidationError && e.field === name);
  field(() => authorizeUrl(client, { scope: 'auth_userinfo' as 'auth_user', redirectUri: 'https://a.example/cb' }), 'scope');
  for (const redirectUri of ['/cb', 'javascript:alert(1)', 'ftp://a.example/cb', '']) field(() => authorizeUrl(client, { scope: 'auth_base', redirectUri }), 'redirectUri');
  field(() => authorizeUrl(client, { scope: 'auth_base', redirectUri: 'https://a.example/cb', state: 'x'.repeat(101) }), 'state');
  field(() => authorizeUrl(client, { scope: 'auth_base', redirectUri: 'https://a.example/cb', state: '' }), 'state');
  assert.ok(authorizeUrl(client, { scope: 'auth_base', redirectUri: 'https://a.example/cb', state: 'x'.repeat(100) }));
  field(() => authorizeUrl({ appId: 'app' }, { scope: 'auth_base', redirectUri: 'https://a.example/cb' }), 'appId');
});

test('exchangeCode: grant_type authorization_code on the wire, normalised token (user-id mode)', async () => {
  gateway.respond(tokenReply({ user_id: '2088102177846880' }));
  const token = await exchangeCode(client, '4b203fe6c11548bcabd8da5bb087a83b');
  const sent = gateway.requests.at(-1)!;
  assert.equal(sent.method, 'alipay.system.oauth.token');
  assert.equal(sent.grant_type, 'authorization_code');
  assert.equal(sent.code, '4b203fe6c11548bcabd8da5bb087a83b');
  assert.equal(sent.biz_content, undefined);
  assert.equal(token.userId, '2088102177846880');
  assert.equal(token.openId, undefined);
  assert.equal(token.accessToken, 'authusrB5a1f0c2d3e4f5a6b7c8d9e0f1a2b3c4d5');
  assert.equal(token.refreshToken, 'authusrBc1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6');
  assert.equal(token.expiresIn, 1296000);
  assert.equal(token.reExpiresIn, 2592000);
  // auth_start is Asia/Shanghai wall time: 10:00 there is 02:00 UTC.
  assert.equal(token.authStart?.toISOString(), '2026-11-20T02:00:00.000Z');
  assert.equal(token.raw.auth_start, '2026-11-20 10:00:00');
});

test('refreshToken via client.oauth: grant_type refresh_token; openid mode and string lifetimes', async () => {
  gateway.respond(tokenReply({ open_id: '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5', union_id: 'u1', expires_in: '1296000', re_expires_in: '2592000' }));
  const token = await client.oauth.refreshToken('authusrBc1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6');
  const sent = gateway.requests.at(-1)!;
  assert.equal(sent.grant_type, 'refresh_token');
  assert.equal(sent.refresh_token, 'authusrBc1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6');
  assert.equal(sent.code, undefined);
  assert.equal(token.openId, '074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5');
  assert.equal(token.userId, undefined);
  assert.equal(token.unionId, 'u1');
  assert.equal(token.expiresIn, 1296000);
  assert.equal(token.reExpiresIn, 2592000);
});

test('exchangeCode: isv.code-invalid in error_response becomes AlipayGatewayError with subCode', async () => {
  gateway.respond((p) => signedResponse(p.method!, { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.code-invalid', sub_msg: '授权码code无效' }, alipayKeys.privateKey, { rootKey: 'error_response' }));
  await assert.rejects(client.oauth.exchangeCode('4b203fe6c11548bcabd8da5bb087a83b'), (e: unknown) => {
    assert.ok(e instanceof AlipayGatewayError);
    assert.equal(e.subCode, 'isv.code-invalid');
    assert.equal(e.subMsg, '授权码code无效');
    return true;
  });
});

test('exchangeCode: a success without access_token or with a non-numeric lifetime is malformed', async () => {
  gateway.respond(tokenReply({ user_id: '2088102177846880', access_token: undefined }));
  await assert.rejects(exchangeCode(client, 'c1'), (e: unknown) => e instanceof AlipaySignatureError && e.code === 'ERR_RESPONSE_MALFORMED');
  gateway.respond(tokenReply({ user_id: '2088102177846880', expires_in: '15d' }));
  await assert.rejects(exchangeCode(client, 'c1'), (e: unknown) => e instanceof AlipaySignatureError && e.code === 'ERR_RESPONSE_MALFORMED');
});

test('exchangeCode / refreshToken / userInfo: bad input never reaches the network', async () => {
  const offlineOnly = offlineClient();
  for (const call of [() => exchangeCode(offlineOnly, ''), () => refreshToken(offlineOnly, 'has space'), () => userInfo(offlineOnly, '')]) {
    await assert.rejects(call(), AlipayValidationError);
  }
  assert.equal(offline.fetchCalls, 0);
});

test('userInfo: auth_token top-level, typed profile', async () => {
  gateway.respond(success({ user_id: '2088102177846880', nick_name: '小明', gender: 'm', avatar: 'https://tfs.alipayobjects.com/images/partner/T1.png', province: '浙江省', city: '杭州市' }));
  const info = await userInfo(client, 'authusrB5a1f0c2d3e4f5a6b7c8d9e0f1a2b3c4d5');
  const sent = gateway.requests.at(-1)!;
  assert.equal(sent.method, 'alipay.user.info.share');
  assert.equal(sent.auth_token, 'authusrB5a1f0c2d3e4f5a6b7c8d9e0f1a2b3c4d5');
  assert.equal(sent.biz_content, undefined);
  assert.equal(info.nick_name, '小明');
  assert.equal(info.gender, 'm');
  assert.equal(info.avatar, 'https://tfs.alipayobjects.com/images/partner/T1.png');
  assert.deepEqual(await client.oauth.userInfo('authusrB5a1f0c2d3e4f5a6b7c8d9e0f1a2b3c4d5'), info);
});
