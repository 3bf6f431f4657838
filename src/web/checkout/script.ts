/**
 * The checkout page's own script (an inline module, plain browser JavaScript). It never decides
 * that an order is paid: it shows what GET /checkout/{id}/status answers, polling until the
 * order is paid, closed or expired. Inside the Alipay app it pays through the browser helper
 * (/zfb/tradepay.js) and reports the result code, whose answer is again the server's.
 *
 * A code the buyer's tradePay reported (cancelled, network, failed) stays on screen while the
 * server only says "waiting" (the server cannot know the buyer tapped cancel); anything the server
 * knows more (paid, confirming, closed, expired, a failed attempt) replaces it.
 *
 * The page's contract with its tests: `data-checkout-state` on #co; every way to pay carries
 * `data-action` and is removed once the order is final.
 */
export const CHECKOUT_SCRIPT = `
const M = JSON.parse(document.getElementById('co-model').textContent);
const root = document.getElementById('co');
const FINAL = ['paid', 'expired', 'closed'];
const REPORTED = ['cancelled', 'network', 'failed'];
let state = root.getAttribute('data-checkout-state');
let timer, paying = false;

function show(s, fresh) {
  if (!s || !s.state) return;
  if (!fresh && s.state === 'waiting' && REPORTED.includes(state)) return;
  state = s.state;
  root.setAttribute('data-checkout-state', state);
  const f = root.querySelector('[data-failure]');
  if (f) f.textContent = s.failure ? s.failure.message + ' (' + s.failure.code + ')' : '';
  const back = root.querySelector('[data-return]');
  if (back && s.returnUrl) back.setAttribute('href', s.returnUrl);
  if (FINAL.includes(state)) {
    root.querySelectorAll('[data-action], [data-other]').forEach((e) => e.remove());
    clearTimeout(timer);
  }
}

async function poll() {
  clearTimeout(timer);
  try {
    const r = await fetch(M.statusUrl, { cache: 'no-store' });
    if (r.ok || r.status === 404) show(await r.json(), false);
  } catch (e) {
    // offline for a moment: keep asking
  }
  if (!FINAL.includes(state)) timer = setTimeout(poll, state === 'confirming' ? 1000 : 1500);
}

async function pay() {
  if (paying || FINAL.includes(state)) return;
  paying = true;
  try {
    const { tradePay } = await import(M.jsapi.helperUrl);
    const r = await tradePay(M.jsapi.tradeNo);
    const x = await fetch(M.jsapi.resultUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resultCode: r.resultCode }) });
    show(await x.json(), true);
  } catch (e) {
    show({ state: 'failed', failure: { code: 'AlipayJSBridge', message: String(e && e.message || e) } }, true);
  } finally {
    paying = false;
  }
  poll();
}

const countdown = root.querySelector('[data-countdown]');
function tick() {
  if (!countdown || FINAL.includes(state)) return;
  const left = Math.max(0, Math.floor((Date.parse(M.expiresAt) - Date.now()) / 1000));
  const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
  countdown.textContent = (h ? h + ':' : '') + String(m).padStart(2, '0') + ':' + String(s).padStart(2, '0');
  if (left === 0) poll();
  else setTimeout(tick, 1000);
}

const retry = root.querySelector('[data-action="retry"]');
if (retry) retry.addEventListener('click', pay);
tick();
if (!FINAL.includes(state)) {
  if (M.jsapi) pay();
  else poll();
}
`;
