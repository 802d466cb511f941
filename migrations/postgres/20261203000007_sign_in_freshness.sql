-- When the provider last authenticated the person (the ID token's
-- auth_time), so that privileged actions can demand a recent multi-factor
-- sign-in; NULL for sessions without one, which count from created_at.
ALTER TABLE sessions ADD COLUMN auth_time TIMESTAMPTZ;
-- Whether the provider vouched for the e-mail address (email_verified).
-- Only a verified address may match an invitation or `charta admin grant`.
ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX oidc_logins_created ON oidc_logins (created_at);
CREATE INDEX sessions_expires ON sessions (expires_at);
