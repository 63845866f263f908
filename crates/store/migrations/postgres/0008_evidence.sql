-- Evidence of impact: the data sets that follow a plan up, the evidence a member submits for
-- a plan (one per plan; resubmitted after a return) and each step of its review.
CREATE TABLE plan_followups (
    plan_id BIGINT NOT NULL REFERENCES action_plans(id),
    dataset_id BIGINT NOT NULL REFERENCES datasets(id),
    added_by BIGINT REFERENCES users(id),
    added_at TEXT NOT NULL,
    PRIMARY KEY (plan_id, dataset_id)
);

CREATE TABLE evidence (
    id BIGSERIAL PRIMARY KEY,
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    plan_id BIGINT NOT NULL UNIQUE REFERENCES action_plans(id),
    status TEXT NOT NULL,
    verdict TEXT NOT NULL,
    summary TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    note TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    reviewed_at TEXT,
    reviewer_comment TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX evidence_status ON evidence (status);

CREATE TABLE evidence_steps (
    id BIGSERIAL PRIMARY KEY,
    evidence_id BIGINT NOT NULL REFERENCES evidence(id),
    action TEXT NOT NULL,
    comment TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX evidence_steps_evidence ON evidence_steps (evidence_id);
