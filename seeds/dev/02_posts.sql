-- Development seed: posts in every status, tags, a comment thread with a reply.
INSERT INTO posts (id, user_id, title, slug, content, status, view_count, created_at, updated_at, published_at, created_by) VALUES
  ('00000000-0000-4000-8002-000000000001', '00000000-0000-4000-8000-000000000003', 'Indexing foreign keys', 'indexing-foreign-keys', 'Why every FK wants an index.', 'published', 120, '2024-02-10 12:00:00', '2024-02-10 12:00:00', '2024-02-10 12:00:00', '00000000-0000-4000-8000-000000000003'),
  ('00000000-0000-4000-8002-000000000002', '00000000-0000-4000-8000-000000000003', 'Soft delete pitfalls',  'soft-delete-pitfalls',  'Partial unique indexes.',    'draft',       0, '2024-02-12 12:00:00', '2024-02-12 12:00:00', NULL, '00000000-0000-4000-8000-000000000003'),
  ('00000000-0000-4000-8002-000000000003', '00000000-0000-4000-8000-000000000004', 'Old news',              'old-news',              'Archived content.',          'archived',   42, '2023-11-01 12:00:00', '2024-01-05 12:00:00', '2023-11-01 12:00:00', '00000000-0000-4000-8000-000000000004');

INSERT INTO tags (id, name, slug, created_at, updated_at) VALUES
  ('00000000-0000-4000-8003-000000000001', 'Databases', 'databases', '2024-01-01 09:00:00', '2024-01-01 09:00:00'),
  ('00000000-0000-4000-8003-000000000002', 'Design',    'design',    '2024-01-01 09:00:00', '2024-01-01 09:00:00');

INSERT INTO post_tags (post_id, tag_id, created_at, updated_at) VALUES
  ('00000000-0000-4000-8002-000000000001', '00000000-0000-4000-8003-000000000001', '2024-02-10 12:00:00', '2024-02-10 12:00:00'),
  ('00000000-0000-4000-8002-000000000001', '00000000-0000-4000-8003-000000000002', '2024-02-10 12:00:00', '2024-02-10 12:00:00'),
  ('00000000-0000-4000-8002-000000000002', '00000000-0000-4000-8003-000000000002', '2024-02-12 12:00:00', '2024-02-12 12:00:00');

INSERT INTO comments (id, post_id, user_id, parent_id, body, created_at, updated_at) VALUES
  ('00000000-0000-4000-8004-000000000001', '00000000-0000-4000-8002-000000000001', '00000000-0000-4000-8000-000000000004', NULL, 'Great write-up!', '2024-02-11 08:00:00', '2024-02-11 08:00:00');

-- The reply is its own statement: DuckDB checks a foreign key against rows committed before
-- the statement, so a parent and its reply cannot share one multi-row INSERT there.
INSERT INTO comments (id, post_id, user_id, parent_id, body, created_at, updated_at) VALUES
  ('00000000-0000-4000-8004-000000000002', '00000000-0000-4000-8002-000000000001', '00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8004-000000000001', 'Thanks, Bob.', '2024-02-11 09:00:00', '2024-02-11 09:00:00');
