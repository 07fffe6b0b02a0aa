-- Development seed: a handful of accounts covering every role and a soft-deleted user.
-- Fixed UUIDs so tests and bug reports can name rows. The password_hash values are NOT hashes
-- of any password: '$argon2id$v=19$m=65536,t=3,p=4$ZGV2$ZGV2' has the argon2id format with the
-- salt and digest both base64("dev"), so no password verifies against it; log in as these
-- users by setting a real hash through the password-reset flow. Re-running is a no-op.
INSERT INTO users (id, email, username, password_hash, role, created_at, updated_at, deleted_at) VALUES
  ('00000000-0000-4000-8000-000000000001', 'admin@example.com',  'admin',  '$argon2id$v=19$m=65536,t=3,p=4$ZGV2$ZGV2', 'admin',  '2024-01-01 09:00:00', '2024-01-01 09:00:00', NULL),
  ('00000000-0000-4000-8000-000000000002', 'editor@example.com', 'editor', '$argon2id$v=19$m=65536,t=3,p=4$ZGV2$ZGV2', 'editor', '2024-01-02 09:00:00', '2024-01-02 09:00:00', NULL),
  ('00000000-0000-4000-8000-000000000003', 'alice@example.com',  'alice',  '$argon2id$v=19$m=65536,t=3,p=4$ZGV2$ZGV2', 'member', '2024-02-01 10:30:00', '2024-02-01 10:30:00', NULL),
  ('00000000-0000-4000-8000-000000000004', 'bob@example.com',    'bob',    '$argon2id$v=19$m=65536,t=3,p=4$ZGV2$ZGV2', 'member', '2024-02-03 16:00:00', '2024-02-03 16:00:00', NULL),
  ('00000000-0000-4000-8000-000000000005', 'gone@example.com',   'gone',   '$argon2id$v=19$m=65536,t=3,p=4$ZGV2$ZGV2', 'member', '2024-03-01 08:00:00', '2024-06-01 08:00:00', '2024-06-01 08:00:00');

INSERT INTO profiles (id, user_id, display_name, bio, created_at, updated_at) VALUES
  ('00000000-0000-4000-8001-000000000001', '00000000-0000-4000-8000-000000000001', 'Site Admin', 'Keeps the lights on.', '2024-01-01 09:00:00', '2024-01-01 09:00:00'),
  ('00000000-0000-4000-8001-000000000003', '00000000-0000-4000-8000-000000000003', 'Alice',      'Writes about databases.', '2024-02-01 10:30:00', '2024-02-01 10:30:00'),
  ('00000000-0000-4000-8001-000000000004', '00000000-0000-4000-8000-000000000004', 'Bob',        NULL, '2024-02-03 16:00:00', '2024-02-03 16:00:00');
