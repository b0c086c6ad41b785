-- botfleet 015: Remnawave internal squads (DESIGN.md §4 "Subscriptions"). On a
-- Remnawave 2.x panel a user reaches nodes only through its internal squads
-- (`activeInternalSquads`); a user without one reaches no node.
--
-- * bot_plans.active_internal_squads: the squads a plan's buyers get; empty
--   means the tenant's default (configuration DEFAULT_SQUADS).
-- * subscriptions.internal_squads: what the panel user must have, resolved in
--   the purchase (or trial) transaction, so the provisioning task writes one
--   absolute set, on create and on every renewal.
ALTER TABLE bot_plans ADD COLUMN active_internal_squads text[] NOT NULL DEFAULT '{}'
  CHECK (cardinality(active_internal_squads) <= 20);
ALTER TABLE subscriptions ADD COLUMN internal_squads text[] NOT NULL DEFAULT '{}';
