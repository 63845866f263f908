-- Coalition staff may hold API tokens too (the API does everything the pages do): a token's
-- organization is that of its user, or none for staff. SQLite cannot drop NOT NULL in place,
-- so the table is rebuilt; nothing refers to it.
CREATE TABLE api_tokens_new (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    organization_id INTEGER REFERENCES organizations(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
INSERT INTO api_tokens_new (id, token_hash, organization_id, user_id, label, created_at, revoked_at)
    SELECT id, token_hash, organization_id, user_id, label, created_at, revoked_at FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;

-- An invitation may be made by the platform itself (approving an application invites the
-- contact, and a system actor has no user row), so invited_by may be empty.
CREATE TABLE invitations_new (
    token_hash TEXT PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    invited_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    accepted_at TEXT
);
INSERT INTO invitations_new (token_hash, organization_id, email, role, invited_by, created_at, expires_at, accepted_at)
    SELECT token_hash, organization_id, email, role, NULLIF(invited_by, 0), created_at, expires_at, accepted_at FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_new RENAME TO invitations;
