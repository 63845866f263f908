-- A failed delivery is retried after a growing pause, not at once.
ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT;
