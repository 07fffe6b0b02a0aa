-- Example schema rendered for postgres by dbdesign.dialects.
-- Regenerate: DBDESIGN_UPDATE_GOLDEN=1 pytest tests/test_dialects.py

CREATE TABLE users (
  id UUID NOT NULL DEFAULT GEN_RANDOM_UUID(),
  email VARCHAR(255) NOT NULL,
  username VARCHAR(50) NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  role VARCHAR(20) NOT NULL DEFAULT 'member',
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  deleted_at TIMESTAMPTZ,
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
);

CREATE TABLE profiles (
  id UUID NOT NULL DEFAULT GEN_RANDOM_UUID(),
  user_id UUID NOT NULL,
  display_name VARCHAR(100) NOT NULL,
  bio TEXT,
  avatar_url VARCHAR(500),
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
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
);

CREATE TABLE posts (
  id UUID NOT NULL DEFAULT GEN_RANDOM_UUID(),
  user_id UUID NOT NULL,
  title VARCHAR(500) NOT NULL,
  slug VARCHAR(200) NOT NULL,
  content TEXT,
  status VARCHAR(20) NOT NULL DEFAULT 'draft',
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
  id UUID NOT NULL DEFAULT GEN_RANDOM_UUID(),
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
  id UUID NOT NULL DEFAULT GEN_RANDOM_UUID(),
  name VARCHAR(50) NOT NULL,
  slug VARCHAR(50) NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
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
  id BIGINT GENERATED ALWAYS AS IDENTITY NOT NULL,
  table_name VARCHAR(63) NOT NULL,
  row_id VARCHAR(100) NOT NULL,
  operation VARCHAR(10) NOT NULL,
  old_values JSONB,
  new_values JSONB,
  actor_id UUID,
  created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  CONSTRAINT ck_audit_log_operation CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE'))
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

