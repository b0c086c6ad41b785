-- botfleet 016: the free trial (issue 18; DESIGN.md §4 "Subscriptions").
-- users.trial_started_at: when this customer took the tenant's trial. The trial is
-- granted by one UPDATE … WHERE trial_started_at IS NULL AND the customer has no
-- subscription (never after a paid one), so two presses, two replicas or a
-- replayed update grant it once; the stamp stays when the subscription row goes.
ALTER TABLE users ADD COLUMN trial_started_at timestamptz;
