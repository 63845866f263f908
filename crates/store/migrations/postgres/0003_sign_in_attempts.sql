-- Sign-in attempts are counted per account AND client address, one row per pair, so that a
-- third party elsewhere cannot lock a person out, and are reserved by one conditional upsert
-- before any password is checked, so that simultaneous guesses cannot all slip under the
-- limit (the old table was counted, then written).
DROP TABLE login_failures;

CREATE TABLE sign_in_attempts (
    email TEXT NOT NULL,
    address TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    window_start TEXT NOT NULL,
    PRIMARY KEY (email, address)
);
CREATE INDEX sign_in_attempts_by_window ON sign_in_attempts(window_start);
