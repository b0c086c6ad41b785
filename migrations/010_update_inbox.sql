-- botfleet 010: the durable update inbox (DESIGN.md §1 "Ingest").
--
-- An update is stored here before Telegram is told it was received (the next
-- getUpdates' offset, or a webhook POST's 200). Its row is deleted in the same
-- statement that commits its `processed_updates` mark, so a row here is an update
-- received and not yet handled: whichever runner owns the bot's bucket next
-- handles it. The mark stays (for the redelivery window) so that an update
-- Telegram sends again is recognised and not stored twice.
CREATE TABLE update_inbox (
  bot_id      bigint NOT NULL REFERENCES bots (id) ON DELETE CASCADE,
  update_id   bigint NOT NULL,
  payload     jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (bot_id, update_id)
);

-- Supervisor bookkeeping like processed_updates: the dead-letter path deletes the
-- row inside the tenant's own transaction, so the tenant role gets the same
-- policy-confined rights.
ALTER TABLE update_inbox ENABLE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON update_inbox TO botfleet_tenant;
CREATE POLICY tenant_isolation ON update_inbox TO botfleet_tenant
  USING (bot_id = NULLIF(current_setting('app.bot_id', true), '')::bigint)
  WITH CHECK (bot_id = NULLIF(current_setting('app.bot_id', true), '')::bigint);
