/**
 * Alipay timestamps are `yyyy-MM-dd HH:mm:ss` wall-clock time in Asia/Shanghai whatever the host's
 * zone (Java's SDK formats in GMT+8). China has used UTC+8 without daylight saving since 1991, so a
 * fixed offset is exact and far cheaper than Intl.
 */
const OFFSET_MS = 8 * 3600_000;

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

export function formatAlipayTime(date: Date = new Date()): string {
  const d = new Date(date.getTime() + OFFSET_MS);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/;

/** Parses an Alipay (Asia/Shanghai) time; undefined when it is not one. Milliseconds are accepted (gmt_refund). */
export function parseAlipayTime(text: string): Date | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms] = m;
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number((ms ?? '0').padEnd(3, '0')));
  const date = new Date(t - OFFSET_MS);
  return formatAlipayTime(date) === text.slice(0, 19) ? date : undefined;
}
