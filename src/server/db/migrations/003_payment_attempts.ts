/**
 * Migration 003: payment attempts. An order is paid by one of many attempts; each attempt is one
 * Alipay trade with its own out_trade_no and its way to pay (wap, page, precreate, jsapi, barcode,
 * app). A buyer who opens the checkout on a laptop (a QR attempt), then on the phone (wap), then in
 * the Alipay app (jsapi) makes three attempts of one order.
 *
 * What the database keeps by itself:
 * - an attempt's identity (order, app, out_trade_no, method, amount, created_at) never changes;
 *   out_trade_no is UNIQUE per app across all attempts (written before Alipay is called);
 *   its trade_no never changes once known and names one attempt only;
 * - attempt status moves only along: paying → paid | closed | cancelled | failed, and
 *   closed → paid: Alipay is the truth about money, and a trade we closed because Alipay said it
 *   did not exist (a wap or page link never opened) can still be opened from an old link before
 *   its time_expire and paid. Such late money is then recorded (and refunded if the order was paid
 *   by another attempt), never lost;
 * - at most one barcode attempt of an order is in flight (a clerk's second scan while the first
 *   waits for the buyer is refused);
 * - a paid order names the attempt that paid it (orders.paid_attempt_id). Any other attempt that
 *   Alipay also reports paid is a duplicate payment, refunded in full automatically: refunds gain
 *   `attempt_id` (whose trade they refund) and `kind` ('merchant' | 'duplicate'); only merchant
 *   refunds count against the order's refundable amount, and an attempt has at most one
 *   duplicate refund;
 * - order_events and notifies may name the attempt they are about;
 * - the OAuth `state` of the in-app checkout is single use (oauth_states).
 *
 * Orders keep their status set. With attempts, `created` means no attempt was ever started and
 * `paying` means at least one was (the order stays payable while open, whatever its attempts
 * did: a failed barcode attempt or a trade Alipay closed leaves the order open until it is paid,
 * closed by the merchant, or expires). `cancelled` and `failed` stay valid for orders from
 * before this migration; attempts carry those outcomes now.
 *
 * Existing data: one attempt per order that had a way to pay (channel) or a trade_no, with the
 * order's out_trade_no, status, trade_no and buyer; its id is derived from the order's id so that
 * the migration is deterministic. Paid orders point at it, refunds and events of the order are
 * attached to it, and a failed barcode order's failure (its `barcode.failed` event) is copied.
 */
export const name = 'payment_attempts';

export const sql = String.raw`
CREATE TABLE payment_attempts (
  id            text        PRIMARY KEY,
  order_id      text        NOT NULL REFERENCES orders (id),
  app_id        text        NOT NULL,
  out_trade_no  text        NOT NULL,
  method        text        NOT NULL,
  status        text        NOT NULL DEFAULT 'paying',
  amount_fen    bigint      NOT NULL,
  trade_no      text,
  buyer_user_id text,
  buyer_open_id text,
  qr_code       text,
  failure       jsonb,
  paid_at       timestamptz,
  closed_at     timestamptz,
  version       integer     NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT payment_attempts_id_format CHECK (id ~ '^pa_[0-9A-Za-z]{16,64}$'),
  CONSTRAINT payment_attempts_out_trade_no_format CHECK (out_trade_no ~ '^[0-9A-Za-z_]{1,64}$'),
  CONSTRAINT payment_attempts_app_out_trade_no_key UNIQUE (app_id, out_trade_no),
  CONSTRAINT payment_attempts_method_known CHECK (method IN ('wap', 'page', 'precreate', 'jsapi', 'barcode', 'app')),
  CONSTRAINT payment_attempts_status_known CHECK (status IN ('paying', 'paid', 'closed', 'cancelled', 'failed')),
  CONSTRAINT payment_attempts_amount_range CHECK (amount_fen > 0 AND amount_fen <= 10000000000),
  CONSTRAINT payment_attempts_paid_has_trade CHECK (status <> 'paid' OR (trade_no IS NOT NULL AND paid_at IS NOT NULL)),
  CONSTRAINT payment_attempts_final_has_closed_at CHECK (status NOT IN ('closed', 'cancelled', 'failed') OR closed_at IS NOT NULL)
);

COMMENT ON TABLE payment_attempts IS
  'One Alipay trade offered for an order. paying: Alipay may hold a waiting trade for it (offered, waiting for the buyer, or outcome unknown); paid: Alipay confirmed the money; closed: closed on Alipay, or Alipay knew no such trade; cancelled: a barcode trade cancelled (alipay.trade.cancel); failed: a definite refusal.';

CREATE UNIQUE INDEX payment_attempts_trade_no_key ON payment_attempts (trade_no) WHERE trade_no IS NOT NULL;
CREATE INDEX payment_attempts_by_order ON payment_attempts (order_id, created_at);
CREATE INDEX payment_attempts_open ON payment_attempts (order_id) WHERE status = 'paying';
CREATE UNIQUE INDEX payment_attempts_one_barcode_in_flight ON payment_attempts (order_id)
  WHERE method = 'barcode' AND status = 'paying';

CREATE FUNCTION zfb_payment_attempts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id <> OLD.id OR NEW.order_id <> OLD.order_id OR NEW.app_id <> OLD.app_id OR NEW.out_trade_no <> OLD.out_trade_no
     OR NEW.method <> OLD.method OR NEW.amount_fen <> OLD.amount_fen OR NEW.created_at <> OLD.created_at THEN
    RAISE EXCEPTION 'payment attempt %: id, order_id, app_id, out_trade_no, method, amount_fen and created_at never change', OLD.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'payment_attempts_identity_immutable';
  END IF;
  IF OLD.trade_no IS NOT NULL AND NEW.trade_no IS DISTINCT FROM OLD.trade_no THEN
    RAISE EXCEPTION 'payment attempt %: trade_no % never changes once known', OLD.id, OLD.trade_no
      USING ERRCODE = 'check_violation', CONSTRAINT = 'payment_attempts_trade_no_immutable';
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = 'paying' AND NEW.status IN ('paid', 'closed', 'cancelled', 'failed'))
    OR (OLD.status = 'closed' AND NEW.status = 'paid')
  ) THEN
    RAISE EXCEPTION 'payment attempt %: status cannot move from % to %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation', CONSTRAINT = 'payment_attempts_status_transition';
  END IF;
  NEW.version := OLD.version + 1;
  IF NEW.updated_at = OLD.updated_at THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER payment_attempts_guard BEFORE UPDATE ON payment_attempts
  FOR EACH ROW EXECUTE FUNCTION zfb_payment_attempts_guard();

CREATE TRIGGER payment_attempts_no_delete BEFORE DELETE ON payment_attempts
  FOR EACH ROW EXECUTE FUNCTION zfb_no_delete();

-- Orders: which attempt paid; any way to pay may be chosen while paying ------------------------

ALTER TABLE orders ADD COLUMN paid_attempt_id text REFERENCES payment_attempts (id);
ALTER TABLE orders DROP CONSTRAINT orders_channel_chosen;
COMMENT ON COLUMN orders.channel IS
  'The way to pay of the attempt that paid the order; while it is open, of the attempt started last.';
COMMENT ON COLUMN orders.status IS
  'created: no attempt started; paying: open, at least one attempt started (see payment_attempts); paid (paid_attempt_id), closed: final. cancelled, failed: final states of orders from before payment attempts (migration 003).';

-- Refunds: whose trade, and why ---------------------------------------------------------------

ALTER TABLE refunds ADD COLUMN attempt_id text REFERENCES payment_attempts (id);
ALTER TABLE refunds ADD COLUMN kind text NOT NULL DEFAULT 'merchant';
ALTER TABLE refunds ADD CONSTRAINT refunds_kind_known CHECK (kind IN ('merchant', 'duplicate'));
CREATE UNIQUE INDEX refunds_one_duplicate_per_attempt ON refunds (attempt_id) WHERE kind = 'duplicate';

-- Only merchant refunds move the order's counters: a duplicate payment's refund gives back money
-- of another trade than the one that paid the order.
CREATE OR REPLACE FUNCTION zfb_refunds_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  reserve bigint := 0;
  refund  bigint := 0;
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'failed' THEN reserve := NEW.amount_fen; END IF;
    IF NEW.status = 'succeeded' THEN refund := NEW.amount_fen; END IF;
  ELSE
    IF NEW.id <> OLD.id OR NEW.order_id <> OLD.order_id OR NEW.out_request_no <> OLD.out_request_no
       OR NEW.amount_fen <> OLD.amount_fen OR NEW.created_at <> OLD.created_at
       OR NEW.kind <> OLD.kind OR (OLD.attempt_id IS NOT NULL AND NEW.attempt_id IS DISTINCT FROM OLD.attempt_id) THEN
      RAISE EXCEPTION 'refund %: id, order_id, attempt_id, kind, out_request_no, amount_fen and created_at never change', OLD.id
        USING ERRCODE = 'check_violation', CONSTRAINT = 'refunds_identity_immutable';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
         (OLD.status = 'pending' AND NEW.status IN ('processing', 'succeeded', 'failed'))
      OR (OLD.status = 'processing' AND NEW.status IN ('succeeded', 'failed'))
    ) THEN
      RAISE EXCEPTION 'refund %: status cannot move from % to %', OLD.id, OLD.status, NEW.status
        USING ERRCODE = 'check_violation', CONSTRAINT = 'refunds_status_transition';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
      IF NEW.status = 'succeeded' THEN refund := NEW.amount_fen; END IF;
      IF NEW.status = 'failed' THEN reserve := -NEW.amount_fen; END IF;
    END IF;
  END IF;
  IF NEW.kind = 'merchant' AND (reserve <> 0 OR refund <> 0) THEN
    UPDATE orders
       SET refund_reserved_fen = refund_reserved_fen + reserve,
           refunded_fen = refunded_fen + refund
     WHERE id = NEW.order_id;
  END IF;
  RETURN NEW;
END
$$;

-- History and notifies per attempt ----------------------------------------------------------

ALTER TABLE order_events ADD COLUMN attempt_id text REFERENCES payment_attempts (id);
CREATE INDEX order_events_by_attempt ON order_events (attempt_id, id) WHERE attempt_id IS NOT NULL;
ALTER TABLE notifies ADD COLUMN attempt_id text REFERENCES payment_attempts (id);

-- OAuth state of the in-app checkout (auth_base): random, single use, bound to the order and to an
-- HttpOnly cookie; only its SHA-256 is kept. A state that is missing, unknown, used or older than
-- its ten minutes is refused (checkout/oauth-state.ts).

CREATE TABLE oauth_states (
  state_hash text        PRIMARY KEY,
  order_id   text        NOT NULL REFERENCES orders (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at    timestamptz
);
CREATE INDEX oauth_states_by_age ON oauth_states (created_at);

-- Existing data ------------------------------------------------------------------------------

INSERT INTO payment_attempts (id, order_id, app_id, out_trade_no, method, status, amount_fen, trade_no,
                              buyer_user_id, buyer_open_id, failure, paid_at, closed_at, created_at, updated_at)
SELECT 'pa_' || substring(o.id FROM 5), o.id, o.app_id, o.out_trade_no, coalesce(o.channel, 'wap'),
       CASE o.status WHEN 'created' THEN 'paying' ELSE o.status END,
       o.amount_fen, o.trade_no, o.buyer_user_id, o.buyer_open_id,
       CASE WHEN o.status = 'failed' THEN (
         SELECT jsonb_build_object('code', e.data->>'code', 'message', e.data->>'message')
           FROM order_events e WHERE e.order_id = o.id AND e.type = 'barcode.failed' ORDER BY e.id DESC LIMIT 1)
       END,
       o.paid_at, o.closed_at, o.created_at, o.updated_at
  FROM orders o
 WHERE o.channel IS NOT NULL OR o.trade_no IS NOT NULL;

UPDATE orders SET paid_attempt_id = 'pa_' || substring(id FROM 5) WHERE status = 'paid';
ALTER TABLE orders ADD CONSTRAINT orders_paid_has_attempt CHECK (status <> 'paid' OR paid_attempt_id IS NOT NULL);

UPDATE refunds r SET attempt_id = 'pa_' || substring(r.order_id FROM 5);
ALTER TABLE refunds ALTER COLUMN attempt_id SET NOT NULL;

ALTER TABLE order_events DISABLE TRIGGER order_events_append_only;
UPDATE order_events e SET attempt_id = 'pa_' || substring(e.order_id FROM 5)
 WHERE e.type <> 'order.created'
   AND EXISTS (SELECT 1 FROM payment_attempts a WHERE a.id = 'pa_' || substring(e.order_id FROM 5));
ALTER TABLE order_events ENABLE TRIGGER order_events_append_only;

UPDATE notifies n SET attempt_id = 'pa_' || substring(n.order_id FROM 5)
 WHERE n.order_id IS NOT NULL
   AND EXISTS (SELECT 1 FROM payment_attempts a WHERE a.id = 'pa_' || substring(n.order_id FROM 5));
`;
