-- Example schema rendered for sqlite by dbdesign.dialects.
-- Regenerate: DBDESIGN_UPDATE_GOLDEN=1 pytest tests/test_dialects.py
-- Portability notes:
-- sqlite: uuid type users(id, created_by, updated_by): changed (no UUID type: TEXT (36 characters))
-- sqlite: gen_random_uuid users.id: emulated (no UUID function: a v4 UUID built from randomblob())
-- sqlite: timestamptz users(created_at, updated_at, deleted_at): changed (no date/time types: TEXT 'YYYY-MM-DD HH:MM:SS' in UTC, no time zone; DEFAULT now() -> CURRENT_TIMESTAMP (whole seconds))
-- sqlite: partial index idx_users_email: kept (the planner uses it only when the query repeats WHERE deleted_at IS NULL)
-- sqlite: partial index idx_users_username: kept (the planner uses it only when the query repeats WHERE deleted_at IS NULL)
-- sqlite: varchar length users: emulated (VARCHAR(n) length is not enforced here; TEXT + CHECK (length(col) <= n) for email(255), username(50), password_hash(255), role(20))
-- sqlite: uuid type profiles(id, user_id, created_by, updated_by): changed (no UUID type: TEXT (36 characters))
-- sqlite: gen_random_uuid profiles.id: emulated (no UUID function: a v4 UUID built from randomblob())
-- sqlite: timestamptz profiles(created_at, updated_at): changed (no date/time types: TEXT 'YYYY-MM-DD HH:MM:SS' in UTC, no time zone; DEFAULT now() -> CURRENT_TIMESTAMP (whole seconds))
-- sqlite: varchar length profiles: emulated (VARCHAR(n) length is not enforced here; TEXT + CHECK (length(col) <= n) for display_name(100), avatar_url(500))
-- sqlite: uuid type posts(id, user_id, created_by, updated_by): changed (no UUID type: TEXT (36 characters))
-- sqlite: gen_random_uuid posts.id: emulated (no UUID function: a v4 UUID built from randomblob())
-- sqlite: timestamptz posts(created_at, updated_at, deleted_at, published_at): changed (no date/time types: TEXT 'YYYY-MM-DD HH:MM:SS' in UTC, no time zone; DEFAULT now() -> CURRENT_TIMESTAMP (whole seconds))
-- sqlite: partial index idx_posts_slug: kept (the planner uses it only when the query repeats WHERE deleted_at IS NULL)
-- sqlite: varchar length posts: emulated (VARCHAR(n) length is not enforced here; TEXT + CHECK (length(col) <= n) for title(500), slug(200), status(20))
-- sqlite: uuid type comments(id, post_id, user_id, parent_id, created_by, updated_by): changed (no UUID type: TEXT (36 characters))
-- sqlite: gen_random_uuid comments.id: emulated (no UUID function: a v4 UUID built from randomblob())
-- sqlite: timestamptz comments(created_at, updated_at, deleted_at): changed (no date/time types: TEXT 'YYYY-MM-DD HH:MM:SS' in UTC, no time zone; DEFAULT now() -> CURRENT_TIMESTAMP (whole seconds))
-- sqlite: uuid type tags(id, created_by, updated_by): changed (no UUID type: TEXT (36 characters))
-- sqlite: gen_random_uuid tags.id: emulated (no UUID function: a v4 UUID built from randomblob())
-- sqlite: timestamptz tags(created_at, updated_at): changed (no date/time types: TEXT 'YYYY-MM-DD HH:MM:SS' in UTC, no time zone; DEFAULT now() -> CURRENT_TIMESTAMP (whole seconds))
-- sqlite: varchar length tags: emulated (VARCHAR(n) length is not enforced here; TEXT + CHECK (length(col) <= n) for name(50), slug(50))
-- sqlite: uuid type post_tags(post_id, tag_id, created_by, updated_by): changed (no UUID type: TEXT (36 characters))
-- sqlite: timestamptz post_tags(created_at, updated_at): changed (no date/time types: TEXT 'YYYY-MM-DD HH:MM:SS' in UTC, no time zone; DEFAULT now() -> CURRENT_TIMESTAMP (whole seconds))
-- sqlite: json audit_log(old_values, new_values): emulated (no JSON type: TEXT + CHECK (json_valid(col)))
-- sqlite: uuid type audit_log.actor_id: changed (no UUID type: TEXT (36 characters))
-- sqlite: timestamptz audit_log.created_at: changed (no date/time types: TEXT 'YYYY-MM-DD HH:MM:SS' in UTC, no time zone; DEFAULT now() -> CURRENT_TIMESTAMP (whole seconds))
-- sqlite: identity audit_log.id: emulated (INTEGER PRIMARY KEY (the rowid alias) assigns ids; GENERATED ALWAYS is not enforced (explicit ids accepted))
-- sqlite: varchar length audit_log: emulated (VARCHAR(n) length is not enforced here; TEXT + CHECK (length(col) <= n) for table_name(63), row_id(100), operation(10))
-- sqlite: function users_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: trigger trg_users_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: function users_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: trigger trg_users_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: function profiles_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: trigger trg_profiles_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: function profiles_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: trigger trg_profiles_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: function posts_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: trigger trg_posts_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: function posts_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: trigger trg_posts_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: function comments_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: trigger trg_comments_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: function comments_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: trigger trg_comments_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: function tags_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: trigger trg_tags_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: function tags_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: trigger trg_tags_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: function post_tags_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: trigger trg_post_tags_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: function post_tags_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: trigger trg_post_tags_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: function users_soft_delete_cascade: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: trigger trg_users_soft_delete: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: function posts_soft_delete_cascade: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: trigger trg_posts_soft_delete: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: function comments_soft_delete_cascade: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: trigger trg_comments_soft_delete: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: view active_users: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: view active_posts: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: view active_comments: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- sqlite: comment 11 objects: dropped (no COMMENT ON here; the comments stay in the migrations and the catalogue)

CREATE TABLE users (
  id TEXT NOT NULL DEFAULT (
    LOWER(
      HEX(RANDOMBLOB(4)) || '-' || HEX(RANDOMBLOB(2)) || '-4' || SUBSTRING(HEX(RANDOMBLOB(2)), 2) || '-' || SUBSTRING('89ab', 1 + (
        ABS(RANDOM()) % 4
      ), 1) || SUBSTRING(HEX(RANDOMBLOB(2)), 2) || '-' || HEX(RANDOMBLOB(6))
    )
  ) PRIMARY KEY,
  email TEXT NOT NULL,
  username TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'member',
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  deleted_at TEXT,
  created_by TEXT,
  updated_by TEXT,
  CONSTRAINT ck_users_role CHECK (role IN ('member', 'editor', 'admin')),
  CONSTRAINT ck_users_email_length CHECK (LENGTH(email) <= 255),
  CONSTRAINT ck_users_username_length CHECK (LENGTH(username) <= 50),
  CONSTRAINT ck_users_password_hash_length CHECK (LENGTH(password_hash) <= 255),
  CONSTRAINT ck_users_role_length CHECK (LENGTH(role) <= 20),
  FOREIGN KEY (created_by) REFERENCES users (
    id
  ) ON DELETE SET NULL,
  FOREIGN KEY (updated_by) REFERENCES users (
    id
  ) ON DELETE SET NULL
);

CREATE TABLE profiles (
  id TEXT NOT NULL DEFAULT (
    LOWER(
      HEX(RANDOMBLOB(4)) || '-' || HEX(RANDOMBLOB(2)) || '-4' || SUBSTRING(HEX(RANDOMBLOB(2)), 2) || '-' || SUBSTRING('89ab', 1 + (
        ABS(RANDOM()) % 4
      ), 1) || SUBSTRING(HEX(RANDOMBLOB(2)), 2) || '-' || HEX(RANDOMBLOB(6))
    )
  ) PRIMARY KEY,
  user_id TEXT NOT NULL,
  display_name TEXT NOT NULL,
  bio TEXT,
  avatar_url TEXT,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  created_by TEXT,
  updated_by TEXT,
  CONSTRAINT uq_profiles_user_id UNIQUE (
    user_id
  ),
  CONSTRAINT ck_profiles_display_name_length CHECK (LENGTH(display_name) <= 100),
  CONSTRAINT ck_profiles_avatar_url_length CHECK (LENGTH(avatar_url) <= 500),
  FOREIGN KEY (user_id) REFERENCES users (
    id
  ) ON DELETE CASCADE,
  FOREIGN KEY (created_by) REFERENCES users (
    id
  ) ON DELETE SET NULL,
  FOREIGN KEY (updated_by) REFERENCES users (
    id
  ) ON DELETE SET NULL
);

CREATE TABLE posts (
  id TEXT NOT NULL DEFAULT (
    LOWER(
      HEX(RANDOMBLOB(4)) || '-' || HEX(RANDOMBLOB(2)) || '-4' || SUBSTRING(HEX(RANDOMBLOB(2)), 2) || '-' || SUBSTRING('89ab', 1 + (
        ABS(RANDOM()) % 4
      ), 1) || SUBSTRING(HEX(RANDOMBLOB(2)), 2) || '-' || HEX(RANDOMBLOB(6))
    )
  ) PRIMARY KEY,
  user_id TEXT NOT NULL,
  title TEXT NOT NULL,
  slug TEXT NOT NULL,
  content TEXT,
  status TEXT NOT NULL DEFAULT 'draft',
  view_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  deleted_at TEXT,
  created_by TEXT,
  updated_by TEXT,
  published_at TEXT,
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
  ) ON DELETE SET NULL,
  FOREIGN KEY (updated_by) REFERENCES users (
    id
  ) ON DELETE SET NULL
);

CREATE TABLE comments (
  id TEXT NOT NULL DEFAULT (
    LOWER(
      HEX(RANDOMBLOB(4)) || '-' || HEX(RANDOMBLOB(2)) || '-4' || SUBSTRING(HEX(RANDOMBLOB(2)), 2) || '-' || SUBSTRING('89ab', 1 + (
        ABS(RANDOM()) % 4
      ), 1) || SUBSTRING(HEX(RANDOMBLOB(2)), 2) || '-' || HEX(RANDOMBLOB(6))
    )
  ) PRIMARY KEY,
  post_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  parent_id TEXT,
  body TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  deleted_at TEXT,
  created_by TEXT,
  updated_by TEXT,
  CONSTRAINT ck_comments_body CHECK (LENGTH(body) BETWEEN 1 AND 10000),
  FOREIGN KEY (post_id) REFERENCES posts (
    id
  ) ON DELETE CASCADE,
  FOREIGN KEY (user_id) REFERENCES users (
    id
  ) ON DELETE RESTRICT,
  FOREIGN KEY (parent_id) REFERENCES comments (
    id
  ) ON DELETE CASCADE,
  FOREIGN KEY (created_by) REFERENCES users (
    id
  ) ON DELETE SET NULL,
  FOREIGN KEY (updated_by) REFERENCES users (
    id
  ) ON DELETE SET NULL
);

CREATE TABLE tags (
  id TEXT NOT NULL DEFAULT (
    LOWER(
      HEX(RANDOMBLOB(4)) || '-' || HEX(RANDOMBLOB(2)) || '-4' || SUBSTRING(HEX(RANDOMBLOB(2)), 2) || '-' || SUBSTRING('89ab', 1 + (
        ABS(RANDOM()) % 4
      ), 1) || SUBSTRING(HEX(RANDOMBLOB(2)), 2) || '-' || HEX(RANDOMBLOB(6))
    )
  ) PRIMARY KEY,
  name TEXT NOT NULL,
  slug TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  created_by TEXT,
  updated_by TEXT,
  CONSTRAINT uq_tags_slug UNIQUE (
    slug
  ),
  CONSTRAINT ck_tags_name_length CHECK (LENGTH(name) <= 50),
  CONSTRAINT ck_tags_slug_length CHECK (LENGTH(slug) <= 50),
  FOREIGN KEY (created_by) REFERENCES users (
    id
  ) ON DELETE SET NULL,
  FOREIGN KEY (updated_by) REFERENCES users (
    id
  ) ON DELETE SET NULL
);

CREATE TABLE post_tags (
  post_id TEXT NOT NULL,
  tag_id TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  created_by TEXT,
  updated_by TEXT,
  PRIMARY KEY (post_id, tag_id),
  FOREIGN KEY (post_id) REFERENCES posts (
    id
  ) ON DELETE CASCADE,
  FOREIGN KEY (tag_id) REFERENCES tags (
    id
  ) ON DELETE CASCADE,
  FOREIGN KEY (created_by) REFERENCES users (
    id
  ) ON DELETE SET NULL,
  FOREIGN KEY (updated_by) REFERENCES users (
    id
  ) ON DELETE SET NULL
);

CREATE TABLE audit_log (
  id INTEGER NOT NULL PRIMARY KEY,
  table_name TEXT NOT NULL,
  row_id TEXT NOT NULL,
  operation TEXT NOT NULL,
  old_values TEXT,
  new_values TEXT,
  actor_id TEXT,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT ck_audit_log_operation CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE')),
  CONSTRAINT ck_audit_log_old_values_json CHECK (old_values IS NULL OR JSON_VALID(old_values)),
  CONSTRAINT ck_audit_log_new_values_json CHECK (new_values IS NULL OR JSON_VALID(new_values)),
  CONSTRAINT ck_audit_log_table_name_length CHECK (LENGTH(table_name) <= 63),
  CONSTRAINT ck_audit_log_row_id_length CHECK (LENGTH(row_id) <= 100),
  CONSTRAINT ck_audit_log_operation_length CHECK (LENGTH(operation) <= 10)
);

CREATE UNIQUE INDEX idx_users_email ON users(LOWER(email)) WHERE deleted_at IS NULL;

CREATE UNIQUE INDEX idx_users_username ON users(username) WHERE deleted_at IS NULL;

CREATE INDEX idx_users_created_by ON users(created_by);

CREATE INDEX idx_users_updated_by ON users(updated_by);

CREATE INDEX idx_profiles_created_by ON profiles(created_by);

CREATE INDEX idx_profiles_updated_by ON profiles(updated_by);

CREATE INDEX idx_posts_user_id_created_at ON posts(user_id, created_at DESC);

CREATE INDEX idx_posts_status_created_at ON posts(status, created_at DESC);

CREATE UNIQUE INDEX idx_posts_slug ON posts(slug) WHERE deleted_at IS NULL;

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

