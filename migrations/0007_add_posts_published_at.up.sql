-- Adding a column is instant, but it needs an ACCESS EXCLUSIVE lock for that instant: give up
-- after 2 s instead of queueing every query behind a long-running one (retry the deploy).
SET LOCAL lock_timeout = '2s';
ALTER TABLE posts ADD COLUMN published_at TIMESTAMPTZ NULL;
COMMENT ON COLUMN posts.published_at IS 'When the post went public; NULL while draft.';
