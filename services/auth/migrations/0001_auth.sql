-- Accounts: the credential record. Emails are stored trimmed and lower-cased, so the unique
-- constraint is case-insensitive in effect; flags are BIGINT 0/1 and times unix milliseconds.
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_active BIGINT NOT NULL DEFAULT 1,
    email_verified BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_login_at BIGINT,
    CONSTRAINT accounts_email_key UNIQUE (email)
);
CREATE INDEX accounts_newest ON accounts (created_at, id);

-- Refresh tokens, stored as SHA-256 hex of the opaque token. A family is one sign-in (one
-- session): each rotation adds a row to it and marks its predecessor revoked ('rotated') with
-- a pointer to the successor; the access token issued with a row (jti, iat) is kept so a
-- replay inside the grace window can return the very same pair.
CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    family_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoke_reason TEXT,
    successor_id TEXT,
    access_jti TEXT NOT NULL,
    access_iat BIGINT NOT NULL
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- Single-use tokens mailed to the user (purpose 'reset' or 'verify'), stored hashed.
CREATE TABLE one_time_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX one_time_tokens_user ON one_time_tokens (user_id, purpose);
