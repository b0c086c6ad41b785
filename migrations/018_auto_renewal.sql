-- botfleet 018: auto-renewal from the wallet (issue 18; DESIGN.md §4).
--
-- * subscriptions.auto_renew: the customer's own switch (the tenant's flag
--   auto_renewal must be on too).
-- * auto_renewals: one row per subscription period that was charged, inserted
--   in the SAME transaction as the wallet charge, the ledger entries, the tenant
--   billing and the extension. Its primary key (subscription, period end) is
--   what makes the charge happen once per period: a second replica, a retried
--   tick or a replay after a crash conflicts on it and charges nothing.
-- * New notice kinds: auto_renewed (charged and extended), auto_renew_low_balance
--   (the wallet did not cover the plan: how much to top up; once per period, by a
--   subscription_reminders row).
ALTER TABLE subscriptions ADD COLUMN auto_renew boolean NOT NULL DEFAULT false;

CREATE TABLE auto_renewals (
  bot_id          bigint NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
  subscription_id bigint NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  period_end      timestamptz NOT NULL,
  -- The wallet transaction's reference (transactions.reference) and what was charged.
  reference       text NOT NULL,
  amount          bigint NOT NULL CHECK (amount >= 0),
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscription_id, period_end)
);
CREATE INDEX idx_auto_renewals_bot_id ON auto_renewals (bot_id);
ALTER TABLE auto_renewals ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON auto_renewals TO botfleet_tenant;
CREATE POLICY tenant_isolation ON auto_renewals TO botfleet_tenant
  USING (bot_id = NULLIF(current_setting('app.bot_id', true), '')::bigint)
  WITH CHECK (bot_id = NULLIF(current_setting('app.bot_id', true), '')::bigint);

CREATE INDEX idx_subscriptions_auto_renew ON subscriptions (expires_at) WHERE auto_renew AND status = 'active';

ALTER TABLE job_notices DROP CONSTRAINT job_notices_kind_check;
ALTER TABLE job_notices ADD CONSTRAINT job_notices_kind_check CHECK (kind IN (
  'card_payment_expired', 'zarinpal_payment_expired', 'zarinpal_paid', 'zarinpal_failed', 'receipt_reminder',
  'update_message',  -- main's migration 014 (an update's message recorded after an early commit)
  'subscription_expiring', 'subscription_expired', 'subscription_expired_reminder',
  'auto_renewed', 'auto_renew_low_balance'
));
