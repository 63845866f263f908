-- When each API token was last used (to the minute), shown to its owner beside "revoke".
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
CREATE INDEX sessions_by_user ON sessions(user_id);
