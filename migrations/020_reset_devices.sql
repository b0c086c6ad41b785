-- botfleet 020: "Reset devices" in My subscription (issue 18): an outbox task that
-- asks the Remnawave panel to forget the customer's HWID devices after the
-- update's transaction commits (subject: subscriptions.id).
ALTER TABLE outbox_tasks DROP CONSTRAINT outbox_tasks_kind_check;
ALTER TABLE outbox_tasks ADD CONSTRAINT outbox_tasks_kind_check
  CHECK (kind IN ('provision_subscription', 'zarinpal_request', 'reset_devices'));
