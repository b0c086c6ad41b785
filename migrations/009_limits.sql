-- botfleet 009: limits (issue 15; README "Limits", src/tenants/limits.ts).
--
-- 1. Counters and money on bots stay within JavaScript's safe integers
--    (2^53 - 1 = 9007199254740991), so a row always decodes: the int8 codec
--    refuses anything larger, and one such row used to fail every fleet-wide
--    listing. Rows already past it are clamped first; sales saturate the
--    traffic counter (src/payments/tenant-wallet.ts) instead of overflowing.
UPDATE bots SET
  traffic_sold_bytes = LEAST(GREATEST(traffic_sold_bytes, 0), 9007199254740991),
  traffic_consumed_bytes = LEAST(GREATEST(traffic_consumed_bytes, 0), 9007199254740991),
  wallet_balance = LEAST(GREATEST(wallet_balance, -9007199254740991), 9007199254740991),
  traffic_rate_per_gb = LEAST(traffic_rate_per_gb, 1000000000)
WHERE traffic_sold_bytes NOT BETWEEN 0 AND 9007199254740991
   OR traffic_consumed_bytes NOT BETWEEN 0 AND 9007199254740991
   OR wallet_balance NOT BETWEEN -9007199254740991 AND 9007199254740991
   OR traffic_rate_per_gb > 1000000000;

ALTER TABLE bots
  ADD CONSTRAINT bots_traffic_sold_safe CHECK (traffic_sold_bytes BETWEEN 0 AND 9007199254740991),
  ADD CONSTRAINT bots_traffic_consumed_safe CHECK (traffic_consumed_bytes BETWEEN 0 AND 9007199254740991),
  ADD CONSTRAINT bots_wallet_balance_safe CHECK (wallet_balance BETWEEN -9007199254740991 AND 9007199254740991),
  ADD CONSTRAINT bots_traffic_rate_bounded CHECK (traffic_rate_per_gb <= 1000000000);

-- 2. Plans within the bounds a sale can carry: at most 10,000 GB and 3,650 days
--    (a purchase's interval and byte count then always fit), a price of at most
--    10^12, at most 1,000 devices. Plans past them are clamped to them.
UPDATE bot_plans SET
  traffic_limit_gb = LEAST(traffic_limit_gb, 10000),
  period_days = LEAST(period_days, 3650),
  price = LEAST(price, 1000000000000),
  device_limit = LEAST(device_limit, 1000)
WHERE traffic_limit_gb > 10000 OR period_days > 3650 OR price > 1000000000000 OR device_limit > 1000;

ALTER TABLE bot_plans
  ADD CONSTRAINT bot_plans_traffic_bounded CHECK (traffic_limit_gb <= 10000),
  ADD CONSTRAINT bot_plans_period_bounded CHECK (period_days <= 3650),
  ADD CONSTRAINT bot_plans_price_bounded CHECK (price <= 1000000000000),
  ADD CONSTRAINT bot_plans_devices_bounded CHECK (device_limit <= 1000);

-- 3. ZarinPal verification is asked at most once per ZARINPAL_VERIFY_INTERVAL_SECONDS
--    per payment, cluster-wide: a callback claims the slot with one conditional
--    UPDATE of this column (fifty forged callbacks used to make fifty verify calls).
ALTER TABLE zarinpal_payments ADD COLUMN verify_claimed_at timestamptz;
-- Reconciliation also looks at recently cancelled payments (a forged or mistaken
-- Status=NOK may have cancelled one that ZarinPal holds as paid).
CREATE INDEX idx_zarinpal_payments_cancelled ON zarinpal_payments (updated_at) WHERE status = 'cancelled';

-- 4. The tenant role may change only what a sale changes on its own bots row:
--    the wallet (down only) and the traffic sold (up only). Everything else —
--    is_master, is_active, tokens, name, rate — is the operator's (column
--    privileges), and the trigger keeps the two columns one-way, so a bug in
--    tenant code cannot credit a tenant's own wallet.
REVOKE UPDATE ON bots FROM botfleet_tenant;
GRANT UPDATE (wallet_balance, traffic_sold_bytes) ON bots TO botfleet_tenant;

CREATE OR REPLACE FUNCTION botfleet_bots_tenant_guard() RETURNS trigger AS $$
BEGIN
  IF current_user = 'botfleet_tenant'
     AND (NEW.wallet_balance > OLD.wallet_balance OR NEW.traffic_sold_bytes < OLD.traffic_sold_bytes) THEN
    RAISE EXCEPTION 'a tenant may only charge its wallet and add traffic sold'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER bots_tenant_guard BEFORE UPDATE OF wallet_balance, traffic_sold_bytes ON bots
  FOR EACH ROW EXECUTE FUNCTION botfleet_bots_tenant_guard();
