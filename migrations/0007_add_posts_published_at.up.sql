ALTER TABLE posts ADD COLUMN published_at TIMESTAMPTZ NULL;
COMMENT ON COLUMN posts.published_at IS 'When the post went public; NULL while draft.';
