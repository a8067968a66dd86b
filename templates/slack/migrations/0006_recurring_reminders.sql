-- Recurring reminders ("every Monday at 9am", or the `recurrence` argument): how they repeat
-- and the first time they fell due, which fixes their time of day and day of month. After
-- each delivery the scheduler moves `time` to the next occurrence instead of retiring them.
ALTER TABLE reminders ADD COLUMN recurrence jsonb;
ALTER TABLE reminders ADD COLUMN anchor bigint;
