CREATE TABLE tags (
    id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    name       VARCHAR(50) NOT NULL,
    slug       VARCHAR(50) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    updated_by UUID REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT uq_tags_slug UNIQUE (slug)
);

CREATE INDEX idx_tags_created_by ON tags (created_by);
CREATE INDEX idx_tags_updated_by ON tags (updated_by);

-- Many-to-many join table: the composite primary key serves lookups by post; the second
-- index serves lookups by tag.
CREATE TABLE post_tags (
    post_id    UUID NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id     UUID NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_by UUID REFERENCES users (id) ON DELETE SET NULL,
    updated_by UUID REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (post_id, tag_id)
);

CREATE INDEX idx_post_tags_tag_id ON post_tags (tag_id);
CREATE INDEX idx_post_tags_created_by ON post_tags (created_by);
CREATE INDEX idx_post_tags_updated_by ON post_tags (updated_by);

COMMENT ON TABLE tags IS 'Editorial topics; slug is the URL key. Shared by all posts, never soft-deleted.';
COMMENT ON TABLE post_tags IS 'Which tags a post carries (many-to-many); rows go with either side.';
