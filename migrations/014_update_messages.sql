-- botfleet 014: a message an update's handler sends after its transaction committed
-- early (it had to wait for Telegram's pace, or Telegram was slow: src/supervisor/
-- update-pipeline.ts) is recorded as a notice in that transaction, leased to the
-- sending process. Sent, the notice is done; the process killed while sending, the
-- lease runs out and the notice worker sends it — the message is not lost with the
-- process (at least once, like every send).
ALTER TABLE job_notices DROP CONSTRAINT job_notices_kind_check;
ALTER TABLE job_notices ADD CONSTRAINT job_notices_kind_check CHECK (kind IN (
  'card_payment_expired', 'zarinpal_payment_expired', 'zarinpal_paid', 'zarinpal_failed', 'receipt_reminder',
  'update_message'  -- payload: { method, payload } as the handler called the Bot API
));
