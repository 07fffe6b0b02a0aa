-- Example schema rendered for duckdb by dbdesign.dialects.
-- Regenerate: DBDESIGN_UPDATE_GOLDEN=1 pytest tests/test_dialects.py
-- Portability notes:
-- duckdb: partial index idx_users_email: dropped (UNIQUE ... WHERE deleted_at IS NULL cannot be expressed and a full UNIQUE would forbid values the design allows (e.g. reusing a soft-deleted row's value); alternative: a generated column that is NULL when the predicate is false, with a UNIQUE index on it - or enforce in the application)
-- duckdb: partial index idx_users_username: dropped (UNIQUE ... WHERE deleted_at IS NULL cannot be expressed and a full UNIQUE would forbid values the design allows (e.g. reusing a soft-deleted row's value); alternative: a generated column that is NULL when the predicate is false, with a UNIQUE index on it - or enforce in the application)
-- duckdb: varchar length users: emulated (VARCHAR(n) length is not enforced here; VARCHAR + CHECK (length(col) <= n) for email(255), username(50), password_hash(255), role(20))
-- duckdb: varchar length profiles: emulated (VARCHAR(n) length is not enforced here; VARCHAR + CHECK (length(col) <= n) for display_name(100), avatar_url(500))
-- duckdb: descending index idx_posts_user_id_created_at: dropped (DESC on created_at is ignored by this engine; ascending index (it can still be scanned backwards))
-- duckdb: descending index idx_posts_status_created_at: dropped (DESC on created_at is ignored by this engine; ascending index (it can still be scanned backwards))
-- duckdb: partial index idx_posts_slug: dropped (UNIQUE ... WHERE deleted_at IS NULL cannot be expressed and a full UNIQUE would forbid values the design allows (e.g. reusing a soft-deleted row's value); alternative: a generated column that is NULL when the predicate is false, with a UNIQUE index on it - or enforce in the application)
-- duckdb: varchar length posts: emulated (VARCHAR(n) length is not enforced here; VARCHAR + CHECK (length(col) <= n) for title(500), slug(200), status(20))
-- duckdb: varchar length tags: emulated (VARCHAR(n) length is not enforced here; VARCHAR + CHECK (length(col) <= n) for name(50), slug(50))
-- duckdb: json audit_log(old_values, new_values): changed (JSONB -> JSON (text with JSON functions))
-- duckdb: identity audit_log.id: emulated (no identity columns: DEFAULT nextval('seq_audit_log_id'); GENERATED ALWAYS is not enforced (explicit ids accepted))
-- duckdb: varchar length audit_log: emulated (VARCHAR(n) length is not enforced here; VARCHAR + CHECK (length(col) <= n) for table_name(63), row_id(100), operation(10))
-- duckdb: fk action users(created_by): dropped (ON DELETE SET NULL unsupported (parser error); the FK now refuses the delete of a referenced users row - do it in the application)
-- duckdb: fk action users(updated_by): dropped (ON DELETE SET NULL unsupported (parser error); the FK now refuses the delete of a referenced users row - do it in the application)
-- duckdb: fk action profiles(user_id): dropped (ON DELETE CASCADE unsupported (parser error); the FK now refuses the delete of a referenced users row - do it in the application)
-- duckdb: fk action profiles(created_by): dropped (ON DELETE SET NULL unsupported (parser error); the FK now refuses the delete of a referenced users row - do it in the application)
-- duckdb: fk action profiles(updated_by): dropped (ON DELETE SET NULL unsupported (parser error); the FK now refuses the delete of a referenced users row - do it in the application)
-- duckdb: fk action posts(created_by): dropped (ON DELETE SET NULL unsupported (parser error); the FK now refuses the delete of a referenced users row - do it in the application)
-- duckdb: fk action posts(updated_by): dropped (ON DELETE SET NULL unsupported (parser error); the FK now refuses the delete of a referenced users row - do it in the application)
-- duckdb: fk action comments(post_id): dropped (ON DELETE CASCADE unsupported (parser error); the FK now refuses the delete of a referenced posts row - do it in the application)
-- duckdb: fk action comments(parent_id): dropped (ON DELETE CASCADE unsupported (parser error); the FK now refuses the delete of a referenced comments row - do it in the application)
-- duckdb: fk action comments(created_by): dropped (ON DELETE SET NULL unsupported (parser error); the FK now refuses the delete of a referenced users row - do it in the application)
-- duckdb: fk action comments(updated_by): dropped (ON DELETE SET NULL unsupported (parser error); the FK now refuses the delete of a referenced users row - do it in the application)
-- duckdb: fk action tags(created_by): dropped (ON DELETE SET NULL unsupported (parser error); the FK now refuses the delete of a referenced users row - do it in the application)
-- duckdb: fk action tags(updated_by): dropped (ON DELETE SET NULL unsupported (parser error); the FK now refuses the delete of a referenced users row - do it in the application)
-- duckdb: fk action post_tags(post_id): dropped (ON DELETE CASCADE unsupported (parser error); the FK now refuses the delete of a referenced posts row - do it in the application)
-- duckdb: fk action post_tags(tag_id): dropped (ON DELETE CASCADE unsupported (parser error); the FK now refuses the delete of a referenced tags row - do it in the application)
-- duckdb: fk action post_tags(created_by): dropped (ON DELETE SET NULL unsupported (parser error); the FK now refuses the delete of a referenced users row - do it in the application)
-- duckdb: fk action post_tags(updated_by): dropped (ON DELETE SET NULL unsupported (parser error); the FK now refuses the delete of a referenced users row - do it in the application)
-- duckdb: function users_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: trigger trg_users_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: function users_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: trigger trg_users_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: function profiles_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: trigger trg_profiles_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: function profiles_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: trigger trg_profiles_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: function posts_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: trigger trg_posts_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: function posts_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: trigger trg_posts_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: function comments_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: trigger trg_comments_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: function comments_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: trigger trg_comments_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: function tags_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: trigger trg_tags_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: function tags_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: trigger trg_tags_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: function post_tags_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: trigger trg_post_tags_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: function post_tags_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: trigger trg_post_tags_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: function users_soft_delete_cascade: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: trigger trg_users_soft_delete: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: function posts_soft_delete_cascade: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: trigger trg_posts_soft_delete: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: function comments_soft_delete_cascade: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: trigger trg_comments_soft_delete: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: view active_users: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: view active_posts: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- duckdb: view active_comments: dropped (PostgreSQL-specific object; not rendered - port it by hand)

CREATE TABLE users (
  id UUID NOT NULL DEFAULT UUID(),
  email TEXT NOT NULL,
  username TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'member',
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  deleted_at TIMESTAMPTZ,
  created_by UUID,
  updated_by UUID,
  PRIMARY KEY (id),
  CONSTRAINT ck_users_role CHECK (role IN ('member', 'editor', 'admin')),
  CONSTRAINT ck_users_email_length CHECK (LENGTH(email) <= 255),
  CONSTRAINT ck_users_username_length CHECK (LENGTH(username) <= 50),
  CONSTRAINT ck_users_password_hash_length CHECK (LENGTH(password_hash) <= 255),
  CONSTRAINT ck_users_role_length CHECK (LENGTH(role) <= 20),
  FOREIGN KEY (created_by) REFERENCES users (
    id
  ),
  FOREIGN KEY (updated_by) REFERENCES users (
    id
  )
);

CREATE TABLE profiles (
  id UUID NOT NULL DEFAULT UUID(),
  user_id UUID NOT NULL,
  display_name TEXT NOT NULL,
  bio TEXT,
  avatar_url TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  created_by UUID,
  updated_by UUID,
  PRIMARY KEY (id),
  CONSTRAINT uq_profiles_user_id UNIQUE (
    user_id
  ),
  CONSTRAINT ck_profiles_display_name_length CHECK (LENGTH(display_name) <= 100),
  CONSTRAINT ck_profiles_avatar_url_length CHECK (LENGTH(avatar_url) <= 500),
  FOREIGN KEY (user_id) REFERENCES users (
    id
  ),
  FOREIGN KEY (created_by) REFERENCES users (
    id
  ),
  FOREIGN KEY (updated_by) REFERENCES users (
    id
  )
);

CREATE TABLE posts (
  id UUID NOT NULL DEFAULT UUID(),
  user_id UUID NOT NULL,
  title TEXT NOT NULL,
  slug TEXT NOT NULL,
  content TEXT,
  status TEXT NOT NULL DEFAULT 'draft',
  view_count INT NOT NULL DEFAULT 0,
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  deleted_at TIMESTAMPTZ,
  created_by UUID,
  updated_by UUID,
  published_at TIMESTAMPTZ,
  PRIMARY KEY (id),
  CONSTRAINT ck_posts_status CHECK (status IN ('draft', 'published', 'archived')),
  CONSTRAINT ck_posts_view_count CHECK (view_count >= 0),
  CONSTRAINT ck_posts_title_length CHECK (LENGTH(title) <= 500),
  CONSTRAINT ck_posts_slug_length CHECK (LENGTH(slug) <= 200),
  CONSTRAINT ck_posts_status_length CHECK (LENGTH(status) <= 20),
  FOREIGN KEY (user_id) REFERENCES users (
    id
  ) ON DELETE RESTRICT,
  FOREIGN KEY (created_by) REFERENCES users (
    id
  ),
  FOREIGN KEY (updated_by) REFERENCES users (
    id
  )
);

CREATE TABLE comments (
  id UUID NOT NULL DEFAULT UUID(),
  post_id UUID NOT NULL,
  user_id UUID NOT NULL,
  parent_id UUID,
  body TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  deleted_at TIMESTAMPTZ,
  created_by UUID,
  updated_by UUID,
  PRIMARY KEY (id),
  CONSTRAINT ck_comments_body CHECK (LENGTH(body) BETWEEN 1 AND 10000),
  FOREIGN KEY (post_id) REFERENCES posts (
    id
  ),
  FOREIGN KEY (user_id) REFERENCES users (
    id
  ) ON DELETE RESTRICT,
  FOREIGN KEY (parent_id) REFERENCES comments (
    id
  ),
  FOREIGN KEY (created_by) REFERENCES users (
    id
  ),
  FOREIGN KEY (updated_by) REFERENCES users (
    id
  )
);

CREATE TABLE tags (
  id UUID NOT NULL DEFAULT UUID(),
  name TEXT NOT NULL,
  slug TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  created_by UUID,
  updated_by UUID,
  PRIMARY KEY (id),
  CONSTRAINT uq_tags_slug UNIQUE (
    slug
  ),
  CONSTRAINT ck_tags_name_length CHECK (LENGTH(name) <= 50),
  CONSTRAINT ck_tags_slug_length CHECK (LENGTH(slug) <= 50),
  FOREIGN KEY (created_by) REFERENCES users (
    id
  ),
  FOREIGN KEY (updated_by) REFERENCES users (
    id
  )
);

CREATE TABLE post_tags (
  post_id UUID NOT NULL,
  tag_id UUID NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  created_by UUID,
  updated_by UUID,
  PRIMARY KEY (post_id, tag_id),
  FOREIGN KEY (post_id) REFERENCES posts (
    id
  ),
  FOREIGN KEY (tag_id) REFERENCES tags (
    id
  ),
  FOREIGN KEY (created_by) REFERENCES users (
    id
  ),
  FOREIGN KEY (updated_by) REFERENCES users (
    id
  )
);

CREATE SEQUENCE seq_audit_log_id;

CREATE TABLE audit_log (
  id BIGINT NOT NULL DEFAULT NEXTVAL('seq_audit_log_id'),
  table_name TEXT NOT NULL,
  row_id TEXT NOT NULL,
  operation TEXT NOT NULL,
  old_values JSON,
  new_values JSON,
  actor_id UUID,
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  CONSTRAINT ck_audit_log_operation CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE')),
  CONSTRAINT ck_audit_log_table_name_length CHECK (LENGTH(table_name) <= 63),
  CONSTRAINT ck_audit_log_row_id_length CHECK (LENGTH(row_id) <= 100),
  CONSTRAINT ck_audit_log_operation_length CHECK (LENGTH(operation) <= 10)
);

CREATE INDEX idx_users_created_by ON users(created_by);

CREATE INDEX idx_users_updated_by ON users(updated_by);

CREATE INDEX idx_profiles_created_by ON profiles(created_by);

CREATE INDEX idx_profiles_updated_by ON profiles(updated_by);

CREATE INDEX idx_posts_user_id_created_at ON posts(user_id, created_at);

CREATE INDEX idx_posts_status_created_at ON posts(status, created_at);

CREATE INDEX idx_posts_created_by ON posts(created_by);

CREATE INDEX idx_posts_updated_by ON posts(updated_by);

CREATE INDEX idx_comments_post_id_created_at ON comments(post_id, created_at);

CREATE INDEX idx_comments_user_id ON comments(user_id);

CREATE INDEX idx_comments_parent_id ON comments(parent_id);

CREATE INDEX idx_comments_created_by ON comments(created_by);

CREATE INDEX idx_comments_updated_by ON comments(updated_by);

CREATE INDEX idx_tags_created_by ON tags(created_by);

CREATE INDEX idx_tags_updated_by ON tags(updated_by);

CREATE INDEX idx_post_tags_tag_id ON post_tags(tag_id);

CREATE INDEX idx_post_tags_created_by ON post_tags(created_by);

CREATE INDEX idx_post_tags_updated_by ON post_tags(updated_by);

CREATE INDEX idx_audit_log_table_name_row_id ON audit_log(table_name, row_id);

CREATE INDEX idx_audit_log_created_at ON audit_log(created_at);

COMMENT ON TABLE users IS 'Registered accounts; soft-deleted, never hard-deleted except for erasure requests.';

COMMENT ON COLUMN users.email IS 'Login address, unique (case-insensitive) among live accounts.';

COMMENT ON COLUMN users.password_hash IS 'argon2id hash; never the password.';

COMMENT ON TABLE profiles IS 'Public profile of a user (1:1); removed with the user on erasure.';

COMMENT ON TABLE posts IS 'Articles written by users. ON DELETE RESTRICT: users are soft-deleted, so a hard delete of an author with posts is a bug.';

COMMENT ON COLUMN posts.published_at IS 'When the post went public; NULL while draft.';

COMMENT ON TABLE comments IS 'Threaded comments on posts (parent_id is the reply-to comment).';

COMMENT ON TABLE tags IS 'Editorial topics; slug is the URL key. Shared by all posts, never soft-deleted.';

COMMENT ON TABLE post_tags IS 'Which tags a post carries (many-to-many); rows go with either side.';

COMMENT ON TABLE audit_log IS 'Who changed what and when, for compliance (GDPR, HIPAA). Never updated.';

COMMENT ON COLUMN audit_log.actor_id IS 'User id from the session setting; no FK so erasing a user keeps the trail.';

