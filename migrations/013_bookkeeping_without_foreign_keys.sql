-- botfleet 013: the per-update bookkeeping rows stop checking their bot on every insert.
--
-- Every update writes an inbox row when it arrives and a processed mark when it is
-- handled. As foreign keys, each of those inserts ran a key-share lock on the bot's
-- row in `bots`: a WAL record and a dirtied page per insert, and — because a bot's
-- updates are handled concurrently — a multixact whenever two held it at once, all on
-- one hot row per bot. Their bot id is never user input (the supervisor writes it,
-- for a bot it owns), so the check bought nothing; a deleted bot's rows are removed
-- by the trigger below, as ON DELETE CASCADE did.
ALTER TABLE processed_updates DROP CONSTRAINT processed_updates_bot_id_fkey;
ALTER TABLE update_inbox DROP CONSTRAINT update_inbox_bot_id_fkey;

CREATE FUNCTION botfleet_delete_bot_bookkeeping() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM processed_updates WHERE bot_id = OLD.id;
  DELETE FROM update_inbox WHERE bot_id = OLD.id;
  RETURN OLD;
END
$$;

CREATE TRIGGER bots_delete_bookkeeping
  AFTER DELETE ON bots
  FOR EACH ROW EXECUTE FUNCTION botfleet_delete_bot_bookkeeping();

-- Marks are appended in time order and only the retention job reads them by time:
-- a BRIN index (a few pages for millions of rows) instead of a B-tree entry per mark.
DROP INDEX idx_processed_updates_processed_at;
CREATE INDEX idx_processed_updates_processed_at ON processed_updates USING brin (processed_at);
