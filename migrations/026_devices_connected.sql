-- botfleet 026: how many HWID devices the panel says a subscription's user has
-- connected (issue 18, "My subscription": devices connected of the limit).
-- Written by the panel sync job from GET /api/hwid/devices/top-users together
-- with the used traffic; NULL until the first sync after provisioning.
ALTER TABLE subscriptions ADD COLUMN devices_connected integer CHECK (devices_connected >= 0);
