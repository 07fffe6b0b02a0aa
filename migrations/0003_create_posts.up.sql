CREATE TABLE posts (
    id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    title      VARCHAR(500) NOT NULL,
    slug       VARCHAR(200) NOT NULL,
    content    TEXT,
    status     VARCHAR(20) NOT NULL DEFAULT 'draft'
               CONSTRAINT ck_posts_status CHECK (status IN ('draft', 'published', 'archived')),
    view_count INTEGER NOT NULL DEFAULT 0 CONSTRAINT ck_posts_view_count CHECK (view_count >= 0),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at TIMESTAMPTZ NULL,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    updated_by UUID REFERENCES users (id) ON DELETE SET NULL
);

-- FK index that also serves "posts of a user, newest first".
CREATE INDEX idx_posts_user_id_created_at ON posts (user_id, created_at DESC);
-- Filtered sorting: WHERE status = ? ORDER BY created_at DESC.
CREATE INDEX idx_posts_status_created_at ON posts (status, created_at DESC);
CREATE UNIQUE INDEX idx_posts_slug ON posts (slug) WHERE deleted_at IS NULL;
CREATE INDEX idx_posts_created_by ON posts (created_by);
CREATE INDEX idx_posts_updated_by ON posts (updated_by);

COMMENT ON TABLE posts IS 'Articles written by users. ON DELETE RESTRICT: users are soft-deleted, so a hard delete of an author with posts is a bug.';
