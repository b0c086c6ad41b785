-- getMe's answer for the token a bot last started with, so that a bot moving to
-- another runner (or restarting) starts with one request (getUpdates) instead of
-- two. Kept per token fingerprint and for a day (a renamed bot is seen again
-- within a day); written by the supervisor only.
ALTER TABLE bot_runtime_status
  ADD COLUMN bot_info    jsonb,
  ADD COLUMN bot_info_at timestamptz;
