-- botfleet 025: notification routing and the daily summary (issue 19, item 6).
--
-- * daily_summaries: one row per tenant and local day whose summary was queued,
--   inserted in the SAME transaction as the `daily_summary` notice. Its primary
--   key is what makes the summary go out once a day: a second replica, a retried
--   tick or a replay conflicts on it and queues nothing.
-- * New notice kinds: sale (a purchase, renewal, trial, top-up or referral reward
--   for the notification group) and daily_summary.
-- (The tenant's own texts, item 5, are configuration keys: no schema change.)
CREATE TABLE daily_summaries (
  bot_id       bigint NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
  -- The day in the tenant's TIME_ZONE on which the summary was due.
  summary_date date NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (bot_id, summary_date)
);
SELECT botfleet_isolate_tenant_table('daily_summaries', 'SELECT, INSERT');

ALTER TABLE job_notices DROP CONSTRAINT job_notices_kind_check;
ALTER TABLE job_notices ADD CONSTRAINT job_notices_kind_check CHECK (kind IN (
  'card_payment_expired', 'zarinpal_payment_expired', 'zarinpal_paid', 'zarinpal_failed', 'receipt_reminder',
  'update_message',  -- main's migration 014 (an update's message recorded after an early commit)
  'subscription_expiring', 'subscription_expired', 'subscription_expired_reminder',
  'auto_renewed', 'auto_renew_low_balance', 'panel_drift',
  'sale', 'daily_summary'
));
