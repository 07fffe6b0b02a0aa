-- Example schema rendered for postgres by dbdesign.dialects.
-- Regenerate: DBDESIGN_UPDATE_GOLDEN=1 pytest tests/test_dialects.py

SET check_function_bodies = false;

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

CREATE OR REPLACE FUNCTION users_touch() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.created_by := COALESCE(NEW.created_by, NULLIF(current_setting('app.user_id', true), '')::UUID); NEW.updated_by := COALESCE(NEW.updated_by, NULLIF(current_setting('app.user_id', true), '')::UUID);
    ELSE
        NEW.updated_at := now(); NEW.updated_by := COALESCE(NULLIF(current_setting('app.user_id', true), '')::UUID, NEW.updated_by);
    END IF;
    RETURN NEW;
END $body$;

CREATE OR REPLACE FUNCTION users_audit() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
        VALUES ('users', NEW.id::text, 'INSERT', NULL, to_jsonb(NEW) - 'password_hash', NULLIF(current_setting('app.user_id', true), '')::UUID);
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
        VALUES ('users', NEW.id::text, 'UPDATE', to_jsonb(OLD) - 'password_hash', to_jsonb(NEW) - 'password_hash', NULLIF(current_setting('app.user_id', true), '')::UUID);
        RETURN NEW;
    END IF;
    INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
    VALUES ('users', OLD.id::text, 'DELETE', to_jsonb(OLD) - 'password_hash', NULL, NULLIF(current_setting('app.user_id', true), '')::UUID);
    RETURN OLD;
END $body$;

CREATE OR REPLACE FUNCTION profiles_touch() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.created_by := COALESCE(NEW.created_by, NULLIF(current_setting('app.user_id', true), '')::UUID); NEW.updated_by := COALESCE(NEW.updated_by, NULLIF(current_setting('app.user_id', true), '')::UUID);
    ELSE
        NEW.updated_at := now(); NEW.updated_by := COALESCE(NULLIF(current_setting('app.user_id', true), '')::UUID, NEW.updated_by);
    END IF;
    RETURN NEW;
END $body$;

CREATE OR REPLACE FUNCTION profiles_audit() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
        VALUES ('profiles', NEW.id::text, 'INSERT', NULL, to_jsonb(NEW), NULLIF(current_setting('app.user_id', true), '')::UUID);
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
        VALUES ('profiles', NEW.id::text, 'UPDATE', to_jsonb(OLD), to_jsonb(NEW), NULLIF(current_setting('app.user_id', true), '')::UUID);
        RETURN NEW;
    END IF;
    INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
    VALUES ('profiles', OLD.id::text, 'DELETE', to_jsonb(OLD), NULL, NULLIF(current_setting('app.user_id', true), '')::UUID);
    RETURN OLD;
END $body$;

CREATE OR REPLACE FUNCTION posts_touch() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.created_by := COALESCE(NEW.created_by, NULLIF(current_setting('app.user_id', true), '')::UUID); NEW.updated_by := COALESCE(NEW.updated_by, NULLIF(current_setting('app.user_id', true), '')::UUID);
    ELSE
        NEW.updated_at := now(); NEW.updated_by := COALESCE(NULLIF(current_setting('app.user_id', true), '')::UUID, NEW.updated_by);
    END IF;
    RETURN NEW;
END $body$;

CREATE OR REPLACE FUNCTION posts_audit() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
        VALUES ('posts', NEW.id::text, 'INSERT', NULL, to_jsonb(NEW), NULLIF(current_setting('app.user_id', true), '')::UUID);
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
        VALUES ('posts', NEW.id::text, 'UPDATE', to_jsonb(OLD), to_jsonb(NEW), NULLIF(current_setting('app.user_id', true), '')::UUID);
        RETURN NEW;
    END IF;
    INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
    VALUES ('posts', OLD.id::text, 'DELETE', to_jsonb(OLD), NULL, NULLIF(current_setting('app.user_id', true), '')::UUID);
    RETURN OLD;
END $body$;

CREATE OR REPLACE FUNCTION comments_touch() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.created_by := COALESCE(NEW.created_by, NULLIF(current_setting('app.user_id', true), '')::UUID); NEW.updated_by := COALESCE(NEW.updated_by, NULLIF(current_setting('app.user_id', true), '')::UUID);
    ELSE
        NEW.updated_at := now(); NEW.updated_by := COALESCE(NULLIF(current_setting('app.user_id', true), '')::UUID, NEW.updated_by);
    END IF;
    RETURN NEW;
END $body$;

CREATE OR REPLACE FUNCTION comments_audit() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
        VALUES ('comments', NEW.id::text, 'INSERT', NULL, to_jsonb(NEW), NULLIF(current_setting('app.user_id', true), '')::UUID);
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
        VALUES ('comments', NEW.id::text, 'UPDATE', to_jsonb(OLD), to_jsonb(NEW), NULLIF(current_setting('app.user_id', true), '')::UUID);
        RETURN NEW;
    END IF;
    INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
    VALUES ('comments', OLD.id::text, 'DELETE', to_jsonb(OLD), NULL, NULLIF(current_setting('app.user_id', true), '')::UUID);
    RETURN OLD;
END $body$;

CREATE OR REPLACE FUNCTION tags_touch() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.created_by := COALESCE(NEW.created_by, NULLIF(current_setting('app.user_id', true), '')::UUID); NEW.updated_by := COALESCE(NEW.updated_by, NULLIF(current_setting('app.user_id', true), '')::UUID);
    ELSE
        NEW.updated_at := now(); NEW.updated_by := COALESCE(NULLIF(current_setting('app.user_id', true), '')::UUID, NEW.updated_by);
    END IF;
    RETURN NEW;
END $body$;

CREATE OR REPLACE FUNCTION tags_audit() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
        VALUES ('tags', NEW.id::text, 'INSERT', NULL, to_jsonb(NEW), NULLIF(current_setting('app.user_id', true), '')::UUID);
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
        VALUES ('tags', NEW.id::text, 'UPDATE', to_jsonb(OLD), to_jsonb(NEW), NULLIF(current_setting('app.user_id', true), '')::UUID);
        RETURN NEW;
    END IF;
    INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
    VALUES ('tags', OLD.id::text, 'DELETE', to_jsonb(OLD), NULL, NULLIF(current_setting('app.user_id', true), '')::UUID);
    RETURN OLD;
END $body$;

CREATE OR REPLACE FUNCTION post_tags_touch() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.created_by := COALESCE(NEW.created_by, NULLIF(current_setting('app.user_id', true), '')::UUID); NEW.updated_by := COALESCE(NEW.updated_by, NULLIF(current_setting('app.user_id', true), '')::UUID);
    ELSE
        NEW.updated_at := now(); NEW.updated_by := COALESCE(NULLIF(current_setting('app.user_id', true), '')::UUID, NEW.updated_by);
    END IF;
    RETURN NEW;
END $body$;

CREATE OR REPLACE FUNCTION post_tags_audit() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
        VALUES ('post_tags', NEW.post_id::text || ',' || NEW.tag_id::text, 'INSERT', NULL, to_jsonb(NEW), NULLIF(current_setting('app.user_id', true), '')::UUID);
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
        VALUES ('post_tags', NEW.post_id::text || ',' || NEW.tag_id::text, 'UPDATE', to_jsonb(OLD), to_jsonb(NEW), NULLIF(current_setting('app.user_id', true), '')::UUID);
        RETURN NEW;
    END IF;
    INSERT INTO audit_log (table_name, row_id, operation, old_values, new_values, actor_id)
    VALUES ('post_tags', OLD.post_id::text || ',' || OLD.tag_id::text, 'DELETE', to_jsonb(OLD), NULL, NULLIF(current_setting('app.user_id', true), '')::UUID);
    RETURN OLD;
END $body$;

CREATE OR REPLACE FUNCTION users_soft_delete_cascade() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    UPDATE posts SET deleted_at = NEW.deleted_at WHERE user_id = NEW.id AND deleted_at IS NULL; UPDATE comments SET deleted_at = NEW.deleted_at WHERE user_id = NEW.id AND deleted_at IS NULL;
    RETURN NULL;
END $body$;

CREATE OR REPLACE FUNCTION posts_soft_delete_cascade() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    UPDATE comments SET deleted_at = NEW.deleted_at WHERE post_id = NEW.id AND deleted_at IS NULL;
    RETURN NULL;
END $body$;

CREATE OR REPLACE FUNCTION comments_soft_delete_cascade() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    UPDATE comments SET deleted_at = NEW.deleted_at WHERE parent_id = NEW.id AND deleted_at IS NULL;
    RETURN NULL;
END $body$;

CREATE VIEW active_users AS SELECT * FROM users WHERE deleted_at IS NULL;

CREATE VIEW active_posts AS SELECT * FROM posts WHERE deleted_at IS NULL;

CREATE VIEW active_comments AS SELECT * FROM comments WHERE deleted_at IS NULL;

CREATE OR REPLACE TRIGGER trg_users_touch BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_touch();

CREATE OR REPLACE TRIGGER trg_users_audit AFTER INSERT OR UPDATE OR DELETE ON users FOR EACH ROW EXECUTE FUNCTION users_audit();

CREATE OR REPLACE TRIGGER trg_profiles_touch BEFORE INSERT OR UPDATE ON profiles FOR EACH ROW EXECUTE FUNCTION profiles_touch();

CREATE OR REPLACE TRIGGER trg_profiles_audit AFTER INSERT OR UPDATE OR DELETE ON profiles FOR EACH ROW EXECUTE FUNCTION profiles_audit();

CREATE OR REPLACE TRIGGER trg_posts_touch BEFORE INSERT OR UPDATE ON posts FOR EACH ROW EXECUTE FUNCTION posts_touch();

CREATE OR REPLACE TRIGGER trg_posts_audit AFTER INSERT OR UPDATE OR DELETE ON posts FOR EACH ROW EXECUTE FUNCTION posts_audit();

CREATE OR REPLACE TRIGGER trg_comments_touch BEFORE INSERT OR UPDATE ON comments FOR EACH ROW EXECUTE FUNCTION comments_touch();

CREATE OR REPLACE TRIGGER trg_comments_audit AFTER INSERT OR UPDATE OR DELETE ON comments FOR EACH ROW EXECUTE FUNCTION comments_audit();

CREATE OR REPLACE TRIGGER trg_tags_touch BEFORE INSERT OR UPDATE ON tags FOR EACH ROW EXECUTE FUNCTION tags_touch();

CREATE OR REPLACE TRIGGER trg_tags_audit AFTER INSERT OR UPDATE OR DELETE ON tags FOR EACH ROW EXECUTE FUNCTION tags_audit();

CREATE OR REPLACE TRIGGER trg_post_tags_touch BEFORE INSERT OR UPDATE ON post_tags FOR EACH ROW EXECUTE FUNCTION post_tags_touch();

CREATE OR REPLACE TRIGGER trg_post_tags_audit AFTER INSERT OR UPDATE OR DELETE ON post_tags FOR EACH ROW EXECUTE FUNCTION post_tags_audit();

CREATE OR REPLACE TRIGGER trg_users_soft_delete AFTER UPDATE OF deleted_at ON users FOR EACH ROW WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL) EXECUTE FUNCTION users_soft_delete_cascade();

CREATE OR REPLACE TRIGGER trg_posts_soft_delete AFTER UPDATE OF deleted_at ON posts FOR EACH ROW WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL) EXECUTE FUNCTION posts_soft_delete_cascade();

CREATE OR REPLACE TRIGGER trg_comments_soft_delete AFTER UPDATE OF deleted_at ON comments FOR EACH ROW WHEN (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL) EXECUTE FUNCTION comments_soft_delete_cascade();

