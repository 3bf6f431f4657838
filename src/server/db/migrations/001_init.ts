/**
 * Migration 001: the first schema. The SQL lives in this module (not a .sql file) so that the
 * compiled server finds it in dist/ with no copy step; see migrations/index.ts.
 *
 * Conventions: money is `bigint` fen; time is `timestamptz`, written by the application from its
 * (injectable) clock, with `now()` only as a default; constraint names are stable so the
 * application can tell which rule a write broke (`error.constraint`).
 *
 * Invariants the database keeps by itself, whatever the application does:
 * - an order's identity (id, app_id, out_trade_no, amount_fen, created_at) and, once known, its
 *   trade_no never change; `version` goes up by one on every update (for compare-and-set);
 * - order status moves only along: created → paying | paid | closed;
 *   paying → paid | closed | cancelled | failed; paid, closed, cancelled, failed are final
 *   (paid can never be re-entered, a closed order never becomes paid: a notify that says
 *   otherwise is an alert for a person, not a write);
 * - refund counters on an order move only through refund rows: inserting a refund reserves its
 *   amount on the order in the same statement, success moves it to refunded_fen, failure releases
 *   it; the CHECK on the order then forbids reserving beyond the amount, so two concurrent
 *   refunds can never together exceed it (the second waits on the order row and fails);
 * - refunds only of a paid order; a refund's status moves pending → processing | succeeded |
 *   failed, processing → succeeded | failed;
 * - order_events are append-only; a notify's received bytes never change.
 */
export const name = 'init';

export const sql = String.raw`
-- Orders ------------------------------------------------------------------------------------

CREATE TABLE orders (
  id                  text        PRIMARY KEY,
  app_id              text        NOT NULL,
  out_trade_no        text        NOT NULL,
  amount_fen          bigint      NOT NULL,
  subject             text        NOT NULL,
  body                text,
  status              text        NOT NULL DEFAULT 'created',
  channel             text,
  trade_no            text,
  buyer_user_id       text,
  buyer_open_id       text,
  refunded_fen        bigint      NOT NULL DEFAULT 0,
  refund_reserved_fen bigint      NOT NULL DEFAULT 0,
  paid_at             timestamptz,
  closed_at           timestamptz,
  expires_at          timestamptz NOT NULL,
  return_url          text,
  metadata            jsonb       NOT NULL DEFAULT '{}'::jsonb,
  version             integer     NOT NULL DEFAULT 0,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT orders_id_format CHECK (id ~ '^ord_[0-9A-Za-z]{16,64}$'),
  CONSTRAINT orders_app_id_present CHECK (char_length(app_id) BETWEEN 1 AND 32),
  CONSTRAINT orders_out_trade_no_format CHECK (out_trade_no ~ '^[0-9A-Za-z_]{1,64}$'),
  CONSTRAINT orders_app_out_trade_no_key UNIQUE (app_id, out_trade_no),
  CONSTRAINT orders_amount_range CHECK (amount_fen > 0 AND amount_fen <= 10000000000),
  CONSTRAINT orders_subject_length CHECK (char_length(subject) BETWEEN 1 AND 256),
  CONSTRAINT orders_status_known CHECK (status IN ('created', 'paying', 'paid', 'closed', 'cancelled', 'failed')),
  CONSTRAINT orders_channel_known CHECK (channel IN ('wap', 'jsapi', 'barcode', 'page', 'app', 'precreate')),
  -- Past 'created' Alipay may hold a trade for this order, so we must know how it was offered
  -- (except when it was closed before any way to pay was chosen).
  CONSTRAINT orders_channel_chosen CHECK (status IN ('created', 'closed') OR channel IS NOT NULL),
  CONSTRAINT orders_paid_has_trade_no CHECK (status <> 'paid' OR (trade_no IS NOT NULL AND paid_at IS NOT NULL)),
  CONSTRAINT orders_final_has_closed_at CHECK (status NOT IN ('closed', 'cancelled', 'failed') OR closed_at IS NOT NULL),
  CONSTRAINT orders_refund_bounds CHECK (
    refunded_fen >= 0 AND refund_reserved_fen >= refunded_fen AND refund_reserved_fen <= amount_fen),
  CONSTRAINT orders_refund_only_paid CHECK (status = 'paid' OR refund_reserved_fen = 0),
  CONSTRAINT orders_metadata_object CHECK (jsonb_typeof(metadata) = 'object'),
  CONSTRAINT orders_version_nonnegative CHECK (version >= 0)
);

COMMENT ON COLUMN orders.status IS
  'created: no Alipay trade can exist yet; paying: Alipay may hold a trade (offered, waiting for the buyer, or outcome unknown) and only a notify, a query or a cancel resolves it; paid, closed, cancelled (barcode trade.cancel), failed (a definite refusal of a barcode payment) are final.';
COMMENT ON COLUMN orders.refund_reserved_fen IS
  'Sum of amounts of refunds not failed. Maintained by the refunds trigger; never written directly.';
COMMENT ON COLUMN orders.refunded_fen IS
  'Sum of amounts of succeeded refunds. Maintained by the refunds trigger; never written directly.';
COMMENT ON COLUMN orders.version IS 'Raised by one on every update (trigger); compare-and-set on it or on status.';

-- Alipay's trade_no names one trade: two orders claiming it is a bug or an attack.
CREATE UNIQUE INDEX orders_trade_no_key ON orders (trade_no) WHERE trade_no IS NOT NULL;
-- The sweeper: orders still open, oldest deadline first.
CREATE INDEX orders_open_by_expiry ON orders (expires_at) WHERE status IN ('created', 'paying');

CREATE FUNCTION zfb_orders_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.id <> OLD.id OR NEW.app_id <> OLD.app_id OR NEW.out_trade_no <> OLD.out_trade_no
     OR NEW.amount_fen <> OLD.amount_fen OR NEW.created_at <> OLD.created_at THEN
    RAISE EXCEPTION 'order %: id, app_id, out_trade_no, amount_fen and created_at never change', OLD.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_identity_immutable';
  END IF;
  IF OLD.trade_no IS NOT NULL AND NEW.trade_no IS DISTINCT FROM OLD.trade_no THEN
    RAISE EXCEPTION 'order %: trade_no % never changes once known', OLD.id, OLD.trade_no
      USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_trade_no_immutable';
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
       (OLD.status = 'created' AND NEW.status IN ('paying', 'paid', 'closed'))
    OR (OLD.status = 'paying' AND NEW.status IN ('paid', 'closed', 'cancelled', 'failed'))
  ) THEN
    RAISE EXCEPTION 'order %: status cannot move from % to %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_status_transition';
  END IF;
  IF (NEW.refunded_fen <> OLD.refunded_fen OR NEW.refund_reserved_fen <> OLD.refund_reserved_fen)
     AND pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'order %: refund counters move only through refunds rows', OLD.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'orders_refund_counters_derived';
  END IF;
  NEW.version := OLD.version + 1;
  IF NEW.updated_at = OLD.updated_at THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER orders_guard BEFORE UPDATE ON orders
  FOR EACH ROW EXECUTE FUNCTION zfb_orders_guard();

-- Order history -------------------------------------------------------------------------------

CREATE TABLE order_events (
  id         bigserial   PRIMARY KEY,
  order_id   text        NOT NULL REFERENCES orders (id),
  type       text        NOT NULL,
  data       jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT order_events_type_present CHECK (char_length(type) BETWEEN 1 AND 64)
);
CREATE INDEX order_events_by_order ON order_events (order_id, id);

CREATE FUNCTION zfb_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME
    USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_append_only';
END
$$;

CREATE TRIGGER order_events_append_only BEFORE UPDATE OR DELETE ON order_events
  FOR EACH ROW EXECUTE FUNCTION zfb_append_only();

-- Refunds -------------------------------------------------------------------------------------

CREATE TABLE refunds (
  id             text        PRIMARY KEY,
  order_id       text        NOT NULL REFERENCES orders (id),
  out_request_no text        NOT NULL,
  amount_fen     bigint      NOT NULL,
  reason         text,
  status         text        NOT NULL DEFAULT 'pending',
  fund_change    text,
  gmt_refund_pay timestamptz,
  attempts       integer     NOT NULL DEFAULT 0,
  last_error     text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT refunds_id_format CHECK (id ~ '^re_[0-9A-Za-z]{16,64}$'),
  CONSTRAINT refunds_out_request_no_format CHECK (char_length(out_request_no) BETWEEN 1 AND 64),
  CONSTRAINT refunds_order_out_request_no_key UNIQUE (order_id, out_request_no),
  CONSTRAINT refunds_amount_positive CHECK (amount_fen > 0 AND amount_fen <= 10000000000),
  CONSTRAINT refunds_status_known CHECK (status IN ('pending', 'processing', 'succeeded', 'failed')),
  CONSTRAINT refunds_fund_change_known CHECK (fund_change IN ('Y', 'N')),
  CONSTRAINT refunds_attempts_nonnegative CHECK (attempts >= 0)
);
CREATE INDEX refunds_unsettled ON refunds (updated_at) WHERE status IN ('pending', 'processing');

CREATE FUNCTION zfb_refunds_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  reserve bigint := 0;
  refund  bigint := 0;
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'failed' THEN reserve := NEW.amount_fen; END IF;
    IF NEW.status = 'succeeded' THEN refund := NEW.amount_fen; END IF;
  ELSE
    IF NEW.id <> OLD.id OR NEW.order_id <> OLD.order_id OR NEW.out_request_no <> OLD.out_request_no
       OR NEW.amount_fen <> OLD.amount_fen OR NEW.created_at <> OLD.created_at THEN
      RAISE EXCEPTION 'refund %: id, order_id, out_request_no, amount_fen and created_at never change', OLD.id
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
  IF reserve <> 0 OR refund <> 0 THEN
    UPDATE orders
       SET refund_reserved_fen = refund_reserved_fen + reserve,
           refunded_fen = refunded_fen + refund
     WHERE id = NEW.order_id;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER refunds_apply AFTER INSERT OR UPDATE ON refunds
  FOR EACH ROW EXECUTE FUNCTION zfb_refunds_apply();

CREATE FUNCTION zfb_no_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'rows of % are never deleted', TG_TABLE_NAME
    USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_no_delete';
END
$$;

CREATE TRIGGER refunds_no_delete BEFORE DELETE ON refunds
  FOR EACH ROW EXECUTE FUNCTION zfb_no_delete();

-- Notifies: every arrival, stored verbatim before it is verified ----------------------------

CREATE TABLE notifies (
  id           bigserial   PRIMARY KEY,
  received_at  timestamptz NOT NULL DEFAULT now(),
  raw_body     bytea       NOT NULL,
  content_type text,
  remote_addr  text,
  -- What the body claims; filled after parsing, trusted only if outcome says it was verified.
  notify_id    text,
  notify_type  text,
  app_id       text,
  out_trade_no text,
  trade_no     text,
  trade_status text,
  -- NULL until processed.
  outcome      text,
  reason       text,
  order_id     text        REFERENCES orders (id),
  processed_at timestamptz,

  CONSTRAINT notifies_outcome_known CHECK (
    outcome IN ('applied', 'duplicate', 'ignored', 'rejected', 'flagged', 'error')),
  CONSTRAINT notifies_processed_together CHECK ((outcome IS NULL) = (processed_at IS NULL))
);
-- Not unique: Alipay's retries of one notify share its notify_id, and each arrival is kept.
CREATE INDEX notifies_by_notify_id ON notifies (notify_id);
CREATE INDEX notifies_by_order ON notifies (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX notifies_unprocessed ON notifies (received_at) WHERE outcome IS NULL;

CREATE FUNCTION zfb_notifies_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.raw_body <> OLD.raw_body OR NEW.received_at <> OLD.received_at THEN
    RAISE EXCEPTION 'notify %: the received body and time never change', OLD.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'notifies_received_immutable';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER notifies_guard BEFORE UPDATE ON notifies
  FOR EACH ROW EXECUTE FUNCTION zfb_notifies_guard();

-- Jobs: durable work, claimed with FOR UPDATE SKIP LOCKED (see jobs.ts) ----------------------

CREATE TABLE jobs (
  id           bigserial   PRIMARY KEY,
  kind         text        NOT NULL,
  payload      jsonb       NOT NULL DEFAULT '{}'::jsonb,
  run_at       timestamptz NOT NULL DEFAULT now(),
  attempts     integer     NOT NULL DEFAULT 0,
  max_attempts integer     NOT NULL DEFAULT 25,
  locked_by    text,
  locked_until timestamptz,
  last_error   text,
  done_at      timestamptz,
  failed_at    timestamptz,
  -- Taken for the life of the row: a second enqueue with the same key is a no-op even after the
  -- first job finished. Name keys per logical piece of work ('barcode-poll:ord_…').
  unique_key   text        UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),

  CONSTRAINT jobs_kind_present CHECK (char_length(kind) BETWEEN 1 AND 100),
  CONSTRAINT jobs_attempts_range CHECK (attempts >= 0 AND max_attempts >= 1),
  CONSTRAINT jobs_finished_once CHECK (done_at IS NULL OR failed_at IS NULL),
  CONSTRAINT jobs_lock_complete CHECK ((locked_by IS NULL) = (locked_until IS NULL))
);
CREATE INDEX jobs_due ON jobs (run_at, id) WHERE done_at IS NULL AND failed_at IS NULL;

-- Idempotency keys of the merchant API ------------------------------------------------------

CREATE TABLE idempotency_keys (
  scope           text        NOT NULL,
  key             text        NOT NULL,
  request_hash    text        NOT NULL,
  status          text        NOT NULL DEFAULT 'in_progress',
  response_status integer,
  response_body   jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  locked_until    timestamptz,
  PRIMARY KEY (scope, key),
  CONSTRAINT idempotency_keys_key_length CHECK (char_length(key) BETWEEN 1 AND 255),
  CONSTRAINT idempotency_keys_status_known CHECK (status IN ('in_progress', 'done')),
  CONSTRAINT idempotency_keys_done_has_response CHECK (status <> 'done' OR response_status IS NOT NULL)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

-- Alerts: things a person must look at (a notify that disagrees with the order, a bill line we
-- cannot match, a job that gave up) ----------------------------------------------------------

CREATE TABLE alerts (
  id            bigserial   PRIMARY KEY,
  kind          text        NOT NULL,
  order_id      text        REFERENCES orders (id),
  refund_id     text        REFERENCES refunds (id),
  notify_row_id bigint      REFERENCES notifies (id),
  detail        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  resolved_at   timestamptz,
  resolution    text,
  CONSTRAINT alerts_kind_present CHECK (char_length(kind) BETWEEN 1 AND 100)
);
CREATE INDEX alerts_open ON alerts (created_at) WHERE resolved_at IS NULL;
CREATE INDEX alerts_by_order ON alerts (order_id) WHERE order_id IS NOT NULL;
`;
