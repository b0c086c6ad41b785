-- botfleet 019: the panel sync job (issue 18; DESIGN.md §4: "A panel sync job reads
-- traffic and status back; drift is reported, never silently fixed").
--
-- * subscriptions.traffic_used_bytes / panel_synced_at: what the panel last said.
-- * subscriptions.panel_drift: the panel user was deleted, or disabled, out of
--   band (by an admin in the panel). Set once per drift by the job, in the same
--   statement that queues the tenant admins' `panel_drift` notice; cleared when
--   the panel agrees again. The job never recreates or re-enables anything.
ALTER TABLE subscriptions ADD COLUMN traffic_used_bytes bigint NOT NULL DEFAULT 0 CHECK (traffic_used_bytes >= 0);
ALTER TABLE subscriptions ADD COLUMN panel_synced_at timestamptz;
ALTER TABLE subscriptions ADD COLUMN panel_drift text CHECK (panel_drift IN ('deleted', 'disabled'));

ALTER TABLE job_notices DROP CONSTRAINT job_notices_kind_check;
ALTER TABLE job_notices ADD CONSTRAINT job_notices_kind_check CHECK (kind IN (
  'card_payment_expired', 'zarinpal_payment_expired', 'zarinpal_paid', 'zarinpal_failed', 'receipt_reminder',
  'update_message',  -- main's migration 014 (an update's message recorded after an early commit)
  'subscription_expiring', 'subscription_expired', 'subscription_expired_reminder',
  'auto_renewed', 'auto_renew_low_balance', 'panel_drift'
));
