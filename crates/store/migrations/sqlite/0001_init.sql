-- Rise's coalition database (SQLite). Keep in step with ../postgres/0001_init.sql: the same
-- tables and columns; integers are INTEGER here and BIGINT there, flags are 0/1 integers,
-- times are ISO 8601 UTC text.

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    region TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    why TEXT NOT NULL,
    status TEXT NOT NULL,
    decision_reason TEXT,
    applied_at TEXT NOT NULL,
    decided_at TEXT
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    organization_id INTEGER REFERENCES organizations(id),
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE login_failures (
    email TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failures_by_email ON login_failures(email, at);

CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    invited_by INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    accepted_at TEXT
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE framework_versions (
    version INTEGER PRIMARY KEY,
    note TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);

CREATE TABLE framework_categories (
    version INTEGER NOT NULL REFERENCES framework_versions(version),
    key TEXT NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    PRIMARY KEY (version, key)
);

CREATE TABLE framework_actions (
    version INTEGER NOT NULL REFERENCES framework_versions(version),
    key TEXT NOT NULL,
    category TEXT NOT NULL,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    fits TEXT NOT NULL,
    evidence TEXT NOT NULL,
    PRIMARY KEY (version, key)
);

CREATE TABLE commitments (
    id INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    action_key TEXT NOT NULL,
    category TEXT NOT NULL,
    status TEXT NOT NULL,
    notes TEXT NOT NULL,
    evidence_url TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (organization_id, action_key)
);

CREATE TABLE datasets (
    id INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    label TEXT NOT NULL,
    source TEXT NOT NULL,
    rows INTEGER NOT NULL,
    suppressed_rows INTEGER NOT NULL,
    unsuppressed INTEGER NOT NULL,
    uploaded_by INTEGER REFERENCES users(id),
    uploaded_at TEXT NOT NULL
);

CREATE TABLE dataset_measures (
    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
    measure TEXT NOT NULL,
    title TEXT NOT NULL,
    steward TEXT NOT NULL,
    higher_is_better INTEGER NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (dataset_id, measure)
);

CREATE TABLE aggregates (
    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
    measure TEXT NOT NULL,
    dimension TEXT NOT NULL,
    subgroup TEXT NOT NULL,
    period TEXT NOT NULL,
    numerator INTEGER,
    denominator INTEGER,
    suppressed INTEGER NOT NULL
);
CREATE INDEX aggregates_by_dataset ON aggregates(dataset_id, measure, dimension);

CREATE TABLE action_plans (
    id INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    dataset_id INTEGER NOT NULL REFERENCES datasets(id),
    measure TEXT NOT NULL,
    dimension TEXT NOT NULL,
    subgroup TEXT NOT NULL,
    reference TEXT NOT NULL,
    period TEXT NOT NULL,
    baseline_rate REAL,
    reference_rate REAL,
    target_rate REAL NOT NULL,
    owner TEXT NOT NULL,
    changes TEXT NOT NULL,
    start_date TEXT NOT NULL,
    target_date TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id INTEGER,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX audit_by_entity ON audit_log(entity, entity_id);

-- Messages to people outside the platform (application decisions, invitations): the outbox a
-- mailer sends from; the demo shows it to coalition admins.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
