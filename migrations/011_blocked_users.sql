-- botfleet 011: when a customer blocked the bot (DESIGN.md §1 "Telegram as it really is").
-- `users.is_blocked` is set when Telegram answers a send with 403 "bot was blocked
-- by the user" (or the customer's my_chat_member says so); nothing more is sent to
-- them until they write again, which clears it.
ALTER TABLE users ADD COLUMN blocked_at timestamptz;
