-- Casting a vote checks, while it holds the ballot's lock, whether the same
-- person already voted for another organisation in that ballot. Without
-- this index that check read every vote of the ballot, each change of
-- position included, so each vote cost more than the one before it.
CREATE INDEX ballot_votes_voter ON ballot_votes (ballot_id, user_id, id);
