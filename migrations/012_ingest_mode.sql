-- botfleet 012: how each bot takes its updates (DESIGN.md §1 "Ingest").
-- NULL follows the fleet default (INGEST_MODE); 'polling' long-polls getUpdates,
-- 'webhook' has Telegram POST each update to /telegram/webhook/<bot id>. Both feed
-- the same inbox. A change reaches the bucket's owner through the bots trigger.
ALTER TABLE bots ADD COLUMN ingest_mode text CHECK (ingest_mode IN ('polling', 'webhook'));

DROP TRIGGER bots_notify ON bots;
CREATE TRIGGER bots_notify
  AFTER INSERT OR DELETE OR UPDATE OF is_active, telegram_bot_token, is_master, name, currency, ingest_mode ON bots
  FOR EACH ROW EXECUTE FUNCTION botfleet_notify_bot_change('id');

-- What the bot's webhook was last set to (a hash of its URL and secret): the owner
-- of a webhook bot's bucket calls setWebhook only when that changed, not on every
-- hand-over. NULL: no webhook set by botfleet.
ALTER TABLE bot_runtime_status ADD COLUMN webhook_set text;
