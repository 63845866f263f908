-- The outbox becomes the queue a mailer delivers from. A one-time link travels in `link` only
-- until the message is delivered (then it is erased) and is never shown to coalition staff;
-- `invitation` names the invitation a message carries, so that staff can resend it (with a
-- fresh link) without ever seeing one.
ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT 'queued';
ALTER TABLE outbox ADD COLUMN link TEXT;
ALTER TABLE outbox ADD COLUMN invitation TEXT;
ALTER TABLE outbox ADD COLUMN sent_at TEXT;
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
-- Messages written before this were for staff to forward by hand: none is delivered now. Those
-- that carried a one-time link in the body, where staff read it, lose the link.
UPDATE outbox SET status = 'withdrawn';
UPDATE outbox SET status = 'redacted',
                  body = 'This message held a one-time link and was written before Rise kept links out of the outbox; it was not delivered.'
 WHERE body LIKE '%/invitations/%';
CREATE INDEX outbox_by_status ON outbox(status, id);
