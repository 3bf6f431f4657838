/**
 * Faults the admin API can inject, per app, optionally only for one method, for the next N calls
 * or until removed:
 *  - hang: the gateway never answers (the client times out); `applied` says whether the call
 *    took effect first (a barcode payment that went through although the cashier saw a timeout).
 *  - system-error: answer 20000 / isp.unknow-error, with the call applied or not.
 *  - need-password: alipay.trade.pay answers 10003; the buyer pays after payAfterSeconds, or never.
 *  - insufficient-balance: alipay.trade.pay fails with ACQ.BUYER_BALANCE_NOT_ENOUGH.
 *  - corrupt-signature: the response's sign does not verify.
 *  - notify-drop / notify-duplicate / notify-reorder / notify-delay: applied by the notify sender.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import { C, type Fault, type FaultKind } from './state/model.js';
import type { Store } from './state/store.js';

export const FAULT_KINDS: readonly FaultKind[] = ['hang', 'system-error', 'need-password', 'insufficient-balance', 'corrupt-signature', 'notify-drop', 'notify-duplicate', 'notify-reorder', 'notify-delay'];

export const GATEWAY_FAULTS: readonly FaultKind[] = ['hang', 'system-error', 'need-password', 'insufficient-balance', 'corrupt-signature'];
export const NOTIFY_FAULTS: readonly FaultKind[] = ['notify-drop', 'notify-duplicate', 'notify-reorder', 'notify-delay'];

/** The faults that fire on one call. */
export class ActiveFaults {
  constructor(readonly fired: Fault[]) {}
  get(kind: FaultKind): Fault | undefined {
    return this.fired.find((f) => f.kind === kind);
  }
}

export class Faults {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  add(spec: Omit<Fault, 'id' | 'createdAt'>): Fault {
    const fault: Fault = { ...spec, id: randomUUID(), createdAt: this.clock.now().toISOString() };
    return this.store.put(C.faults, fault.id, fault);
  }

  list(appId?: string): Fault[] {
    return this.store.all<Fault>(C.faults).filter((f) => !appId || f.appId === appId).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  remove(id: string): boolean {
    const had = this.store.get<Fault>(C.faults, id) !== undefined;
    this.store.delete(C.faults, id);
    return had;
  }

  /** Takes (and counts down) the faults of these kinds that apply to this app and method. */
  take(appId: string, method: string, kinds: readonly FaultKind[]): ActiveFaults {
    const fired: Fault[] = [];
    for (const f of this.list(appId)) {
      if (!kinds.includes(f.kind) || (f.method && f.method !== method)) continue;
      if (fired.some((g) => g.kind === f.kind)) continue; // one of each kind per call
      fired.push(f);
      if (f.remaining !== undefined) {
        if (f.remaining <= 1) this.store.delete(C.faults, f.id);
        else this.store.put(C.faults, f.id, { ...f, remaining: f.remaining - 1 });
      }
    }
    return new ActiveFaults(fired);
  }
}
