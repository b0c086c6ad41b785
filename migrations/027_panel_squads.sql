-- botfleet 027: the Remnawave panel's internal squads as the panel_sync job last
-- read them (issue 18, item 5). A tenant admin picks a plan's squads from these
-- in the bot's /admin → Plans: an update cannot call the panel inside its
-- transaction, and picking only from this list is how the bot refuses a squad
-- the panel does not have. Fleet-wide, like the panel; tenants may only read it.
CREATE TABLE panel_squads (
  uuid    text PRIMARY KEY CHECK (uuid ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),
  name    text NOT NULL,
  seen_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON panel_squads TO botfleet_tenant;
