-- Production seed: the first admin account only. The password hash is a placeholder that can
-- never match; set a real one with the password-reset flow on first deploy.
INSERT INTO users (id, email, username, password_hash, role) VALUES
  ('00000000-0000-4000-8000-000000000001', 'admin@example.com', 'admin', '!disabled', 'admin');
