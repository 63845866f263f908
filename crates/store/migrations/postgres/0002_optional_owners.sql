-- Coalition staff may hold API tokens too (the API does everything the pages do): a token's
-- organization is that of its user, or none for staff.
ALTER TABLE api_tokens ALTER COLUMN organization_id DROP NOT NULL;

-- An invitation may be made by the platform itself (approving an application invites the
-- contact, and a system actor has no user row), so invited_by may be empty.
ALTER TABLE invitations ALTER COLUMN invited_by DROP NOT NULL;
