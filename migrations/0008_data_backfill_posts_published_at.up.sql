-- Data migration (the `data` word in the file name marks it; no schema change in here).
-- Posts published before 0007 added the column have no published_at: use created_at, the
-- best value we have. Idempotent: only rows still NULL are touched, so a second run (a retry
-- after a failure, a re-run on staging) changes nothing.
UPDATE posts
   SET published_at = created_at
 WHERE status = 'published'
   AND published_at IS NULL;
