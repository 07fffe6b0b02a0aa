-- The example's workload: the blog's query patterns and the candidate indexes that could serve
-- them (dbdesign.toml [workload] queries). Format: `workload.load_queries`. Parameters are
-- DuckDB SQL over the generated data (or literals); the SQL is PostgreSQL dialect.

-- name: user-by-email
-- description: Point lookup on a unique column (login).
-- param: email = SELECT email FROM users ORDER BY hash(email) LIMIT 1
-- candidate: ix_users_email: users (email)
SELECT id, username, role FROM users WHERE email = :email;

-- name: user-by-email-ci
-- description: Case-insensitive login among live accounts: needs the expression index.
-- param: email = SELECT lower(email) FROM users WHERE deleted_at IS NULL ORDER BY hash(email) LIMIT 1
-- a plain index does not serve lower(email) on any engine:
-- candidate: ix_users_email: users (email)
-- the schema's idx_users_email, expression + partial (SQLite, PostgreSQL):
-- candidate: ix_users_email_lower: users ((lower(email))) WHERE deleted_at IS NULL
SELECT id, username FROM users WHERE lower(email) = :email AND deleted_at IS NULL;

-- name: posts-by-user
-- description: FK lookup + ORDER BY: the composite index also removes the sort.
-- param: user_id = SELECT user_id FROM posts GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1
-- candidate: ix_posts_user_id: posts (user_id)
-- candidate: ix_posts_user_id_created_at: posts (user_id, created_at DESC)
SELECT id, title, created_at FROM posts WHERE user_id = :user_id ORDER BY created_at DESC LIMIT 20;

-- name: posts-by-status-recent
-- description: Filter + sort: composite (status, created_at).
-- param: status = 'published'
-- candidate: ix_posts_status: posts (status)
-- candidate: ix_posts_status_created_at: posts (status, created_at DESC)
SELECT id, title, created_at FROM posts WHERE status = :status ORDER BY created_at DESC LIMIT 20;

-- name: posts-created-range
-- description: A one-week range scan.
-- param: start = SELECT quantile_disc(created_at, 0.5) FROM posts
-- param: end = SELECT quantile_disc(created_at, 0.5) + INTERVAL 7 DAY FROM posts
-- DuckDB's ART is not used for a two-sided range (zone maps prune instead):
-- candidate: ix_posts_created_at: posts (created_at)
SELECT id, title FROM posts WHERE created_at >= :start AND created_at < :end;

-- name: posts-search-text
-- description: Full-text search over title and content. Without the index: LIKE (SQLite, MariaDB, DuckDB) or tsvector computed per row (PostgreSQL).
-- param: term = 'vacuum'
-- SQLite FTS5 table, PostgreSQL GIN over tsvector, MariaDB FULLTEXT:
-- candidate: ix_posts_fts: posts USING gin ((to_tsvector('english', title || ' ' || coalesce(content, ''))))
-- candidate-sql: ix_posts_fts sqlite: CREATE VIRTUAL TABLE ix_posts_fts USING fts5(title, content, content='posts'); INSERT INTO ix_posts_fts(ix_posts_fts) VALUES ('rebuild')
-- candidate-drop: ix_posts_fts sqlite: DROP TABLE ix_posts_fts
-- candidate-sql: ix_posts_fts mysql: CREATE FULLTEXT INDEX ix_posts_fts ON posts (title, content)
-- unavailable: ix_posts_fts duckdb: DuckDB's fts extension is downloaded on first use and fails offline; no full-text index here (ENGINE_FACTS)
-- variant: sqlite: SELECT id, title FROM posts WHERE title LIKE '%' || :term || '%' OR content LIKE '%' || :term || '%' LIMIT 20
-- variant: duckdb: SELECT id, title FROM posts WHERE title ILIKE '%' || :term || '%' OR content ILIKE '%' || :term || '%' LIMIT 20
-- variant: mysql: SELECT id, title FROM posts WHERE title LIKE CONCAT('%', :term, '%') OR content LIKE CONCAT('%', :term, '%') LIMIT 20
-- with-index: ix_posts_fts sqlite: SELECT p.id, p.title FROM ix_posts_fts f JOIN posts p ON p.rowid = f.rowid WHERE ix_posts_fts MATCH :term LIMIT 20
-- with-index: ix_posts_fts mysql: SELECT id, title FROM posts WHERE MATCH (title, content) AGAINST (:term IN NATURAL LANGUAGE MODE) LIMIT 20
SELECT id, title FROM posts
WHERE to_tsvector('english', title || ' ' || coalesce(content, '')) @@ plainto_tsquery('english', :term)
LIMIT 20;

-- name: active-users
-- description: Newest live accounts: a partial index skips soft-deleted rows.
-- candidate: ix_users_created_at: users (created_at)
-- partial index: SQLite and PostgreSQL only, used when the query repeats WHERE deleted_at IS NULL:
-- candidate: ix_users_active_created_at: users (created_at DESC) WHERE deleted_at IS NULL
SELECT id, username, created_at FROM users WHERE deleted_at IS NULL ORDER BY created_at DESC LIMIT 50;

-- name: comments-join
-- description: Comments of a post with their authors: needs the FK index on post_id.
-- param: post_id = SELECT post_id FROM comments GROUP BY post_id ORDER BY count(*) DESC, post_id LIMIT 1
-- candidate: ix_comments_post_id: comments (post_id)
-- candidate: ix_comments_post_id_created_at: comments (post_id, created_at)
SELECT c.id, c.body, u.username FROM comments c JOIN users u ON u.id = c.user_id
WHERE c.post_id = :post_id ORDER BY c.created_at;

-- name: posts-status-counts-covering
-- description: A covering index: every column the query needs is in the index.
-- param: user_id = SELECT user_id FROM posts GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1
-- candidate: ix_posts_user_id: posts (user_id)
-- covering: the query reads only the index (index-only scan):
-- candidate: ix_posts_user_id_status: posts (user_id, status)
SELECT status, count(*) FROM posts WHERE user_id = :user_id GROUP BY status;
