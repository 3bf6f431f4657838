/**
 * What the API answers when Alipay did not give a way to pay (precreate, create): a verified
 * refusal is a 502 with Alipay's sub_code and message (nothing a retry of the same request fixes);
 * anything else (no answer, an unsigned error, a bad signature) a 503 to try again. The attempt
 * stays open either way: a retry reuses it, and the sweeper closes it at the order's expiry.
 */
import { AlipayGatewayError } from '../../alipay/index.js';
import { Problem } from '../http/problem.js';

export function alipayProblem(err: unknown, what: string): Problem {
  if (err instanceof AlipayGatewayError && (err as { verified?: boolean }).verified === true && !err.retryable) {
    return new Problem(502, 'alipay-refused', 'Alipay refused', `Alipay refused ${what}: ${err.subMsg ?? err.gatewayMsg}`, { sub_code: err.subCode ?? err.gatewayCode });
  }
  return new Problem(503, 'alipay-unavailable', 'Alipay unavailable', `could not get ${what} from Alipay; try again`, {});
}
