-- Test seed: the smallest data set the automated tests start from - one account per role, a
-- live and a soft-deleted post, one comment. Fixed UUIDs (prefix 1000...) apart from the dev
-- seed's, so both can be loaded into one database. password_hash is '!test', which is not the
-- format of any hash algorithm, so no password verifies against it. Re-running is a no-op.
INSERT INTO users (id, email, username, password_hash, role) VALUES
  ('10000000-0000-4000-8000-000000000001', 'test-admin@example.com',  'test-admin',  '!test', 'admin'),
  ('10000000-0000-4000-8000-000000000002', 'test-editor@example.com', 'test-editor', '!test', 'editor'),
  ('10000000-0000-4000-8000-000000000003', 'test-member@example.com', 'test-member', '!test', 'member');

INSERT INTO posts (id, user_id, title, slug, content, status, deleted_at) VALUES
  ('10000000-0000-4000-8002-000000000001', '10000000-0000-4000-8000-000000000003', 'Test post', 'test-post', 'Body.', 'published', NULL),
  ('10000000-0000-4000-8002-000000000002', '10000000-0000-4000-8000-000000000003', 'Deleted test post', 'deleted-test-post', NULL, 'draft', '2024-01-01 00:00:00');

INSERT INTO comments (id, post_id, user_id, body) VALUES
  ('10000000-0000-4000-8003-000000000001', '10000000-0000-4000-8002-000000000001', '10000000-0000-4000-8000-000000000002', 'A test comment.');
