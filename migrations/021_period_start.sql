-- botfleet 021: when the current subscription period began (a sale, a renewal, the
-- trial). A reminder "N days before expiry" is sent only for a period longer than
-- N days: a 3-day trial or plan is not told "ends in 3 days" the moment it starts.
ALTER TABLE subscriptions ADD COLUMN period_started_at timestamptz;
