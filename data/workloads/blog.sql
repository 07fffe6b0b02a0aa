-- The standard index-lab workload over the example blog schema (migrations/).
-- Copy this file, edit it, and run: dbdesign bench --queries my.sql
-- Each block: '-- name:', optional '-- description:', '-- param: name = literal or
-- DuckDB SELECT over the generated data', '-- candidate: table (cols) [WHERE ...]', then SQL
-- in PostgreSQL dialect with :named parameters. Per-engine variants (full text) live in
-- dbdesign.workload.blog_workload(); this file holds the portable PostgreSQL text.

-- name: user-by-email
-- description: Point lookup on a unique column (login).
-- param: email = SELECT email FROM users ORDER BY hash(email) LIMIT 1
-- candidate: ix_users_email: users (email)
SELECT id, username, role FROM users WHERE email = :email;

-- name: user-by-email-ci
-- description: Case-insensitive login among live accounts: needs the expression index.
-- param: email = SELECT lower(email) FROM users WHERE deleted_at IS NULL ORDER BY hash(email) LIMIT 1
-- candidate: ix_users_email: users (email)
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
-- candidate: ix_posts_created_at: posts (created_at)
SELECT id, title FROM posts WHERE created_at >= :start AND created_at < :end;

-- name: posts-search-text
-- description: Full-text search over title and content. Without the index: LIKE (SQLite, MariaDB, DuckDB) or tsvector computed per row (PostgreSQL).
-- param: term = 'vacuum'
-- candidate: ix_posts_fts: posts USING gin ((to_tsvector('english', title || ' ' || coalesce(content, ''))))
SELECT id, title FROM posts WHERE to_tsvector('english', title || ' ' || coalesce(content, '')) @@ plainto_tsquery('english', :term) LIMIT 20;

-- name: active-users
-- description: Newest live accounts: a partial index skips soft-deleted rows.
-- candidate: ix_users_created_at: users (created_at)
-- candidate: ix_users_active_created_at: users (created_at DESC) WHERE deleted_at IS NULL
SELECT id, username, created_at FROM users WHERE deleted_at IS NULL ORDER BY created_at DESC LIMIT 50;

-- name: comments-join
-- description: Comments of a post with their authors: needs the FK index on post_id.
-- param: post_id = SELECT post_id FROM comments GROUP BY post_id ORDER BY count(*) DESC, post_id LIMIT 1
-- candidate: ix_comments_post_id: comments (post_id)
-- candidate: ix_comments_post_id_created_at: comments (post_id, created_at)
SELECT c.id, c.body, u.username FROM comments c JOIN users u ON u.id = c.user_id WHERE c.post_id = :post_id ORDER BY c.created_at;

-- name: posts-status-counts-covering
-- description: A covering index: every column the query needs is in the index.
-- param: user_id = SELECT user_id FROM posts GROUP BY user_id ORDER BY count(*) DESC, user_id LIMIT 1
-- candidate: ix_posts_user_id: posts (user_id)
-- candidate: ix_posts_user_id_status: posts (user_id, status)
SELECT status, count(*) FROM posts WHERE user_id = :user_id GROUP BY status;
