-- Whether a search found a guide that really answers it (1) or not (0). Searches logged
-- before the column existed count as answered when they found anything.
ALTER TABLE search_log ADD COLUMN answered SMALLINT NOT NULL DEFAULT 1;
UPDATE search_log SET answered = 0 WHERE result_count = 0;
CREATE INDEX search_log_unanswered ON search_log (answered, created_at);
