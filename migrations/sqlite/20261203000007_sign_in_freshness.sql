-- Same logical change as ../postgres/20261203000007_sign_in_freshness.sql.
ALTER TABLE sessions ADD COLUMN auth_time TEXT;
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
CREATE INDEX oidc_logins_created ON oidc_logins (created_at);
CREATE INDEX sessions_expires ON sessions (expires_at);
