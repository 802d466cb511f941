-- PostgreSQL's TRUNCATE bypasses row triggers, so its migration of this
-- number adds statement triggers. SQLite has no TRUNCATE: its
-- "DELETE FROM t" runs the row triggers that already refuse deletions.
SELECT 1;
