-- botfleet 003: row-level security for tenant data, and change notifications.
--
-- Tenant work runs in a transaction that does `SET LOCAL ROLE botfleet_tenant`
-- and sets `app.bot_id` locally (src/db/tenant.ts). The policies below apply to
-- that role only; it owns nothing and cannot bypass them. Supervisor-wide work
-- runs as the connecting (owner) role, through the one narrow module that does so.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'botfleet_tenant') THEN
    CREATE ROLE botfleet_tenant NOLOGIN;
  END IF;
EXCEPTION
  -- Several databases on one server (tests, replicas) may race to create the
  -- cluster-wide role: the loser finds it made.
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

GRANT botfleet_tenant TO CURRENT_USER;

DO $$
DECLARE
  t text;
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO botfleet_tenant', current_schema());
  FOREACH t IN ARRAY ARRAY[
    'bot_feature_flags', 'bot_configurations', 'tenant_payment_cards', 'bot_plans',
    'users', 'transactions', 'subscriptions', 'tickets', 'promo_groups', 'promo_codes',
    'card_to_card_payments', 'zarinpal_payments',
    'processed_updates', 'update_attempts', 'dead_letter_updates'
  ] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO botfleet_tenant', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I TO botfleet_tenant
         USING (bot_id = NULLIF(current_setting(''app.bot_id'', true), '''')::bigint)
         WITH CHECK (bot_id = NULLIF(current_setting(''app.bot_id'', true), '''')::bigint)', t);
  END LOOP;
  EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO botfleet_tenant', current_schema());
END
$$;

-- A tenant sees and updates only its own bot row (its wallet, its name), never
-- inserts or deletes bots.
ALTER TABLE bots ENABLE ROW LEVEL SECURITY;
GRANT SELECT, UPDATE ON bots TO botfleet_tenant;
CREATE POLICY tenant_own_bot ON bots TO botfleet_tenant
  USING (id = NULLIF(current_setting('app.bot_id', true), '')::bigint)
  WITH CHECK (id = NULLIF(current_setting('app.bot_id', true), '')::bigint);

-- Changes that affect a running bot reach every replica's watcher at once.
-- Payload: {"table": ..., "op": ..., "bot_id": ...}.
CREATE OR REPLACE FUNCTION botfleet_notify_bot_change() RETURNS trigger AS $$
DECLARE
  row_data jsonb := to_jsonb(COALESCE(NEW, OLD));
BEGIN
  PERFORM pg_notify('botfleet_bots', json_build_object(
    'table', TG_TABLE_NAME,
    'op', TG_OP,
    'bot_id', (row_data ->> TG_ARGV[0])::bigint
  )::text);
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER bots_notify
  AFTER INSERT OR DELETE OR UPDATE OF is_active, telegram_bot_token, is_master, name, currency ON bots
  FOR EACH ROW EXECUTE FUNCTION botfleet_notify_bot_change('id');
CREATE TRIGGER bot_feature_flags_notify
  AFTER INSERT OR UPDATE OR DELETE ON bot_feature_flags
  FOR EACH ROW EXECUTE FUNCTION botfleet_notify_bot_change('bot_id');
CREATE TRIGGER bot_configurations_notify
  AFTER INSERT OR UPDATE OR DELETE ON bot_configurations
  FOR EACH ROW EXECUTE FUNCTION botfleet_notify_bot_change('bot_id');
