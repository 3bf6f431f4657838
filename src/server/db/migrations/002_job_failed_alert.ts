/**
 * Migration 002: a job that gives up raises an alert.
 *
 * Jobs carry the work that finishes money movements (barcode settle and void, refund confirm,
 * the expiry sweep). When one stops retrying (attempts used up, a permanent error, or its worker
 * died on the last attempt), the order or refund it was finishing stays open until a person
 * acts, so a person must be told. A trigger does it, so every path that sets failed_at (fail(),
 * claim()'s give-up of an abandoned last attempt, and any later one) raises the alert in the same
 * transaction, and none can forget.
 *
 * The alert names the order and refund from the job's payload (`orderId`, `refundId`) when those
 * rows exist; the job itself is in detail.
 */
export const name = 'job_failed_alert';

export const sql = String.raw`
CREATE FUNCTION alert_on_job_give_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO alerts (kind, order_id, refund_id, detail, created_at)
  VALUES (
    'job_failed',
    (SELECT id FROM orders WHERE id = NEW.payload->>'orderId'),
    (SELECT id FROM refunds WHERE id = NEW.payload->>'refundId'),
    jsonb_build_object('job_id', NEW.id, 'job_kind', NEW.kind, 'attempts', NEW.attempts,
                       'last_error', NEW.last_error, 'payload', NEW.payload),
    NEW.failed_at);
  RETURN NEW;
END
$$;

CREATE TRIGGER jobs_alert_on_give_up
  AFTER UPDATE OF failed_at ON jobs
  FOR EACH ROW WHEN (OLD.failed_at IS NULL AND NEW.failed_at IS NOT NULL)
  EXECUTE FUNCTION alert_on_job_give_up();
`;
