-- One profile per user (1:1), split out so the hot users row stays narrow.
CREATE TABLE profiles (
    id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    display_name VARCHAR(100) NOT NULL,
    bio          TEXT,
    avatar_url   VARCHAR(500),
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_by   UUID REFERENCES users (id) ON DELETE SET NULL,
    updated_by   UUID REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT uq_profiles_user_id UNIQUE (user_id)
);

CREATE INDEX idx_profiles_created_by ON profiles (created_by);
CREATE INDEX idx_profiles_updated_by ON profiles (updated_by);

COMMENT ON TABLE profiles IS 'Public profile of a user (1:1); removed with the user on erasure.';
