/**
 * What every part of the sandbox shares: the books, the clock, the sandbox's own Alipay identity
 * (the key it signs responses and notifies with), and the URLs it is reachable at.
 */
import type { KeyObject } from 'node:crypto';
import type { SandboxPki } from './certs/issue.js';
import type { Clock } from './clock.js';
import type { Ledger } from './state/ledger.js';
import type { Store } from './state/store.js';
import type { Faults } from './faults.js';
import type { Notifier } from './notify/index.js';

export interface SandboxIdentity {
  /** The key Alipay signs with (its public half is the "支付宝公钥" merchants configure). */
  alipayPrivateKey: KeyObject;
  alipayPublicKey: KeyObject;
  /** Certificate mode: the SN of the Alipay certificate and the root bundle's SN. */
  alipayCertSn?: string;
  alipayRootCertSn?: string;
  /** Certificate mode: the PKI that issues app certificates (absent when certificates are off). */
  pki?: SandboxPki;
  /** For deriving open ids. */
  secret: string;
}

export interface SandboxOptions {
  /** Accept request timestamps this far from now (default 24 h: SDKs on UTC hosts send UTC). */
  timestampToleranceMs: number;
}

export interface SandboxContext {
  store: Store;
  ledger: Ledger;
  clock: Clock;
  faults: Faults;
  identity: SandboxIdentity;
  options: SandboxOptions;
  /** http://127.0.0.1:PORT (no trailing slash); set once the server listens. */
  baseUrl: string;
  /** The notify sender (notify/), set by startNotifier when the sandbox starts. */
  notifier?: Notifier;
}
