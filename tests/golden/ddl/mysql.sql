-- Example schema rendered for mysql by dbdesign.dialects.
-- Regenerate: DBDESIGN_UPDATE_GOLDEN=1 pytest tests/test_dialects.py
-- Portability notes:
-- mysql: gen_random_uuid users.id: changed (UUID() is a version-1 (time-based) UUID in MariaDB, not random)
-- mysql: timestamptz users(created_at, updated_at, deleted_at): changed (no time-zone-aware type: DATETIME(6) holding UTC by convention (set the session time_zone to '+00:00'))
-- mysql: partial index idx_users_email: dropped (UNIQUE ... WHERE deleted_at IS NULL cannot be expressed and a full UNIQUE would forbid values the design allows (e.g. reusing a soft-deleted row's value); alternative: a generated column that is NULL when the predicate is false, with a UNIQUE index on it - or enforce in the application)
-- mysql: partial index idx_users_username: dropped (UNIQUE ... WHERE deleted_at IS NULL cannot be expressed and a full UNIQUE would forbid values the design allows (e.g. reusing a soft-deleted row's value); alternative: a generated column that is NULL when the predicate is false, with a UNIQUE index on it - or enforce in the application)
-- mysql: gen_random_uuid profiles.id: changed (UUID() is a version-1 (time-based) UUID in MariaDB, not random)
-- mysql: timestamptz profiles(created_at, updated_at): changed (no time-zone-aware type: DATETIME(6) holding UTC by convention (set the session time_zone to '+00:00'))
-- mysql: gen_random_uuid posts.id: changed (UUID() is a version-1 (time-based) UUID in MariaDB, not random)
-- mysql: timestamptz posts(created_at, updated_at, deleted_at, published_at): changed (no time-zone-aware type: DATETIME(6) holding UTC by convention (set the session time_zone to '+00:00'))
-- mysql: partial index idx_posts_slug: dropped (UNIQUE ... WHERE deleted_at IS NULL cannot be expressed and a full UNIQUE would forbid values the design allows (e.g. reusing a soft-deleted row's value); alternative: a generated column that is NULL when the predicate is false, with a UNIQUE index on it - or enforce in the application)
-- mysql: gen_random_uuid comments.id: changed (UUID() is a version-1 (time-based) UUID in MariaDB, not random)
-- mysql: timestamptz comments(created_at, updated_at, deleted_at): changed (no time-zone-aware type: DATETIME(6) holding UTC by convention (set the session time_zone to '+00:00'))
-- mysql: gen_random_uuid tags.id: changed (UUID() is a version-1 (time-based) UUID in MariaDB, not random)
-- mysql: timestamptz tags(created_at, updated_at): changed (no time-zone-aware type: DATETIME(6) holding UTC by convention (set the session time_zone to '+00:00'))
-- mysql: timestamptz post_tags(created_at, updated_at): changed (no time-zone-aware type: DATETIME(6) holding UTC by convention (set the session time_zone to '+00:00'))
-- mysql: json audit_log(old_values, new_values): changed (JSONB -> JSON (LONGTEXT + JSON_VALID check): no binary form, no GIN)
-- mysql: timestamptz audit_log.created_at: changed (no time-zone-aware type: DATETIME(6) holding UTC by convention (set the session time_zone to '+00:00'))
-- mysql: identity audit_log.id: not enforced (AUTO_INCREMENT; GENERATED ALWAYS is not enforced (explicit ids accepted))
-- mysql: function users_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: trigger trg_users_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: function users_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: trigger trg_users_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: function profiles_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: trigger trg_profiles_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: function profiles_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: trigger trg_profiles_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: function posts_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: trigger trg_posts_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: function posts_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: trigger trg_posts_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: function comments_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: trigger trg_comments_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: function comments_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: trigger trg_comments_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: function tags_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: trigger trg_tags_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: function tags_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: trigger trg_tags_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: function post_tags_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: trigger trg_post_tags_touch: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: function post_tags_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: trigger trg_post_tags_audit: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: function users_soft_delete_cascade: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: trigger trg_users_soft_delete: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: function posts_soft_delete_cascade: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: trigger trg_posts_soft_delete: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: function comments_soft_delete_cascade: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: trigger trg_comments_soft_delete: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: view active_users: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: view active_posts: dropped (PostgreSQL-specific object; not rendered - port it by hand)
-- mysql: view active_comments: dropped (PostgreSQL-specific object; not rendered - port it by hand)

CREATE TABLE users (
  id UUID NOT NULL DEFAULT (
    UUID()
  ),
  email VARCHAR(255) NOT NULL COMMENT 'Login address, unique (case-insensitive) among live accounts.',
  username VARCHAR(50) NOT NULL,
  password_hash VARCHAR(255) NOT NULL COMMENT 'argon2id hash; never the password.',
  role VARCHAR(20) NOT NULL DEFAULT 'member',
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  deleted_at DATETIME(6),
  created_by UUID,
  updated_by UUID,
  PRIMARY KEY (id),
  CONSTRAINT ck_users_role CHECK (role IN ('member', 'editor', 'admin')),
  FOREIGN KEY (created_by) REFERENCES users (
    id
  ) ON DELETE SET NULL,
  FOREIGN KEY (updated_by) REFERENCES users (
    id
  ) ON DELETE SET NULL
)
COMMENT='Registered accounts; soft-deleted, never hard-deleted except for erasure requests.';

CREATE TABLE profiles (
  id UUID NOT NULL DEFAULT (
    UUID()
  ),
  user_id UUID NOT NULL,
  display_name VARCHAR(100) NOT NULL,
  bio TEXT,
  avatar_url VARCHAR(500),
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  created_by UUID,
  updated_by UUID,
  PRIMARY KEY (id),
  CONSTRAINT uq_profiles_user_id UNIQUE (
    user_id
  ),
  FOREIGN KEY (user_id) REFERENCES users (
    id
  ) ON DELETE CASCADE,
  FOREIGN KEY (created_by) REFERENCES users (
    id
  ) ON DELETE SET NULL,
  FOREIGN KEY (updated_by) REFERENCES users (
    id
  ) ON DELETE SET NULL
)
COMMENT='Public profile of a user (1:1); removed with the user on erasure.';

CREATE TABLE posts (
  id UUID NOT NULL DEFAULT (
    UUID()
  ),
  user_id UUID NOT NULL,
  title VARCHAR(500) NOT NULL,
  slug VARCHAR(200) NOT NULL,
  content TEXT,
  status VARCHAR(20) NOT NULL DEFAULT 'draft',
  view_count INT NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  deleted_at DATETIME(6),
  created_by UUID,
  updated_by UUID,
  published_at DATETIME(6) COMMENT 'When the post went public; NULL while draft.',
  PRIMARY KEY (id),
  CONSTRAINT ck_posts_status CHECK (status IN ('draft', 'published', 'archived')),
  CONSTRAINT ck_posts_view_count CHECK (view_count >= 0),
  FOREIGN KEY (user_id) REFERENCES users (
    id
  ) ON DELETE RESTRICT,
  FOREIGN KEY (created_by) REFERENCES users (
    id
  ) ON DELETE SET NULL,
  FOREIGN KEY (updated_by) REFERENCES users (
    id
  ) ON DELETE SET NULL
)
COMMENT='Articles written by users. ON DELETE RESTRICT: users are soft-deleted, so a hard delete of an author with posts is a bug.';

CREATE TABLE comments (
  id UUID NOT NULL DEFAULT (
    UUID()
  ),
  post_id UUID NOT NULL,
  user_id UUID NOT NULL,
  parent_id UUID,
  body TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  deleted_at DATETIME(6),
  created_by UUID,
  updated_by UUID,
  PRIMARY KEY (id),
  CONSTRAINT ck_comments_body CHECK (CHAR_LENGTH(body) BETWEEN 1 AND 10000),
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
)
COMMENT='Threaded comments on posts (parent_id is the reply-to comment).';

CREATE TABLE tags (
  id UUID NOT NULL DEFAULT (
    UUID()
  ),
  name VARCHAR(50) NOT NULL,
  slug VARCHAR(50) NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  created_by UUID,
  updated_by UUID,
  PRIMARY KEY (id),
  CONSTRAINT uq_tags_slug UNIQUE (
    slug
  ),
  FOREIGN KEY (created_by) REFERENCES users (
    id
  ) ON DELETE SET NULL,
  FOREIGN KEY (updated_by) REFERENCES users (
    id
  ) ON DELETE SET NULL
)
COMMENT='Editorial topics; slug is the URL key. Shared by all posts, never soft-deleted.';

CREATE TABLE post_tags (
  post_id UUID NOT NULL,
  tag_id UUID NOT NULL,
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  created_by UUID,
  updated_by UUID,
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
)
COMMENT='Which tags a post carries (many-to-many); rows go with either side.';

CREATE TABLE audit_log (
  id BIGINT AUTO_INCREMENT NOT NULL,
  table_name VARCHAR(63) NOT NULL,
  row_id VARCHAR(100) NOT NULL,
  operation VARCHAR(10) NOT NULL,
  old_values JSON,
  new_values JSON,
  actor_id UUID COMMENT 'User id from the session setting; no FK so erasing a user keeps the trail.',
  created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (id),
  CONSTRAINT ck_audit_log_operation CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE'))
)
COMMENT='Who changed what and when, for compliance (GDPR, HIPAA). Never updated.';

CREATE INDEX idx_users_created_by ON users(created_by);

CREATE INDEX idx_users_updated_by ON users(updated_by);

CREATE INDEX idx_profiles_created_by ON profiles(created_by);

CREATE INDEX idx_profiles_updated_by ON profiles(updated_by);

CREATE INDEX idx_posts_user_id_created_at ON posts(user_id, created_at DESC);

CREATE INDEX idx_posts_status_created_at ON posts(status, created_at DESC);

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

