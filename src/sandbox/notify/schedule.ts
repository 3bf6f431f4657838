/**
 * When Alipay sends a notify again (alipay-protocol.md §3.1): the first attempt at once, then
 * after 4m, 10m, 10m, 1h, 2h, 6h and 15h: 8 attempts, the last 24h24m after the first. (Legacy
 * mapi docs give 2m for the first gap; the OpenAPI docs' 4m is what the sandbox follows.)
 * All of it is sandbox time: it goes through the Clock, so realClock(scale) and ManualClock
 * compress it.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The wait before attempt n+1 (index 0 is the wait between attempts 1 and 2). */
export const RETRY_GAPS_MS: readonly number[] = [4 * MINUTE, 10 * MINUTE, 10 * MINUTE, HOUR, 2 * HOUR, 6 * HOUR, 15 * HOUR];

/** How many times a notify is sent before the sandbox gives up. */
export const MAX_ATTEMPTS = RETRY_GAPS_MS.length + 1;

/** Attempt n (0-based) relative to the first: 0, 4m, 14m, 24m, 1h24m, 3h24m, 9h24m, 24h24m. */
export const ATTEMPT_OFFSETS_MS: readonly number[] = RETRY_GAPS_MS.reduce<number[]>((acc, gap) => [...acc, acc[acc.length - 1]! + gap], [0]);

/** The wait between attempt n-1 and attempt n (n ≥ 1); undefined past the last attempt. */
export function gapBefore(n: number): number | undefined {
  return n >= 1 ? RETRY_GAPS_MS[n - 1] : undefined;
}
