-- Append-only change log filled by triggers (see notebooks/05_soft_delete_auditing).
-- A BIGINT identity key on purpose: ordered, compact, never exposed (waived in dbdesign.toml).
CREATE TABLE audit_log (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name VARCHAR(63) NOT NULL,
    row_id     VARCHAR(100) NOT NULL,
    operation  VARCHAR(10) NOT NULL
               CONSTRAINT ck_audit_log_operation CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE')),
    old_values JSONB,
    new_values JSONB,
    actor_id   UUID,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- History of one row: WHERE table_name = ? AND row_id = ?.
CREATE INDEX idx_audit_log_table_name_row_id ON audit_log (table_name, row_id);
-- Retention and compliance exports: WHERE created_at < ? (range scans by time).
CREATE INDEX idx_audit_log_created_at ON audit_log (created_at);

COMMENT ON TABLE audit_log IS 'Who changed what and when, for compliance (GDPR, HIPAA). Never updated.';
COMMENT ON COLUMN audit_log.actor_id IS 'User id from the session setting; no FK so erasing a user keeps the trail.';
