-- botfleet 017: expiry reminders and expiry of subscriptions (issue 18; DESIGN.md §4).
--
-- * subscription_reminders: one row per subscription, kind and period (the
--   period is the expiry it announces, `period_end`; `days` tells the reminders
--   of one kind apart: 3 and 1 days before, 1 day after). The job inserts the
--   row and the customer's job_notice in ONE statement, and only for rows it
--   actually inserted (ON CONFLICT DO NOTHING … RETURNING), so each reminder is
--   queued once per period whatever replicas, retries and restarts do. It is a
--   table of its own, not a unique key on job_notices, because retention
--   deletes sent notices after a week and a reminder must stay "sent" for the
--   whole period. A renewal moves expires_at, which starts a new period.
-- * New notice kinds for the customer: subscription_expiring, subscription_expired,
--   subscription_expired_reminder (subject: subscriptions.id).
CREATE TABLE subscription_reminders (
  bot_id          bigint NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
  subscription_id bigint NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  kind            text NOT NULL CHECK (kind IN ('expiring', 'expired', 'expired_reminder', 'auto_renew_low_balance')),
  period_end      timestamptz NOT NULL,
  days            integer NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscription_id, kind, period_end, days)
);
CREATE INDEX idx_subscription_reminders_bot_id ON subscription_reminders (bot_id);
ALTER TABLE subscription_reminders ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON subscription_reminders TO botfleet_tenant;
CREATE POLICY tenant_isolation ON subscription_reminders TO botfleet_tenant
  USING (bot_id = NULLIF(current_setting('app.bot_id', true), '')::bigint)
  WITH CHECK (bot_id = NULLIF(current_setting('app.bot_id', true), '')::bigint);

-- The expiry scan: live subscriptions by expiry.
CREATE INDEX idx_subscriptions_live_expiry ON subscriptions (expires_at) WHERE status IN ('active', 'trial');
CREATE INDEX idx_subscriptions_expired_expiry ON subscriptions (expires_at) WHERE status = 'expired';

ALTER TABLE job_notices DROP CONSTRAINT job_notices_kind_check;
ALTER TABLE job_notices ADD CONSTRAINT job_notices_kind_check CHECK (kind IN (
  'card_payment_expired', 'zarinpal_payment_expired', 'zarinpal_paid', 'zarinpal_failed', 'receipt_reminder',
  'update_message',  -- main's migration 014 (an update's message recorded after an early commit)
  'subscription_expiring', 'subscription_expired', 'subscription_expired_reminder'
));
