-- The retention job (src/jobs/retention.ts) deletes bookkeeping that has done its
-- job: update marks and attempt counts past the redelivery window, and finished
-- notices and outbox tasks. These indexes let it find them without scanning.
CREATE INDEX idx_update_attempts_updated_at ON update_attempts (updated_at);
CREATE INDEX idx_job_notices_done_at ON job_notices (done_at) WHERE state = 'done';
CREATE INDEX idx_outbox_tasks_done_at ON outbox_tasks (done_at) WHERE state = 'done';
