CREATE TABLE comments (
    id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    post_id    UUID NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    parent_id  UUID REFERENCES comments (id) ON DELETE CASCADE,
    body       TEXT NOT NULL CONSTRAINT ck_comments_body CHECK (length(body) BETWEEN 1 AND 10000),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    deleted_at TIMESTAMPTZ NULL,
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    updated_by UUID REFERENCES users (id) ON DELETE SET NULL
);

CREATE INDEX idx_comments_post_id_created_at ON comments (post_id, created_at);
CREATE INDEX idx_comments_user_id ON comments (user_id);
CREATE INDEX idx_comments_parent_id ON comments (parent_id);
CREATE INDEX idx_comments_created_by ON comments (created_by);
CREATE INDEX idx_comments_updated_by ON comments (updated_by);

COMMENT ON TABLE comments IS 'Threaded comments on posts (parent_id is the reply-to comment).';
