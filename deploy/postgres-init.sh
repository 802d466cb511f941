#!/bin/sh
# Charta's database and its two roles, made once (deploy/README.md, "On
# PostgreSQL, serve Charta as a role that does not own the schema"):
#
#   charta_owner  owns the database and its schema; `charta migrate
#                 --grant-to charta` runs as this role.
#   charta        the serving role: reads and writes rows, cannot alter the
#                 schema, its triggers or the append-only tables' history.
#
# deploy/compose.yaml mounts this file into the postgres image's
# /docker-entrypoint-initdb.d/, which runs it as the superuser the first time
# the data volume is initialised. scripts/containers runs it against its own
# PostgreSQL. Needs CHARTA_OWNER_DB_PASSWORD and CHARTA_DB_PASSWORD; psql
# connects as POSTGRES_USER (default postgres) by PGHOST/PGPORT or the socket.
set -eu
: "${CHARTA_OWNER_DB_PASSWORD:?set the password of the charta_owner role}"
: "${CHARTA_DB_PASSWORD:?set the password of the charta role}"
psql -v ON_ERROR_STOP=1 -q --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    -v owner_pw="$CHARTA_OWNER_DB_PASSWORD" -v serve_pw="$CHARTA_DB_PASSWORD" <<'SQL'
CREATE ROLE charta_owner LOGIN PASSWORD :'owner_pw';
CREATE ROLE charta LOGIN PASSWORD :'serve_pw';
CREATE DATABASE charta OWNER charta_owner;
\connect charta
-- The owner creates the tables. Before PostgreSQL 15 "public" belonged to
-- the superuser and every role could create tables in it.
ALTER SCHEMA public OWNER TO charta_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
