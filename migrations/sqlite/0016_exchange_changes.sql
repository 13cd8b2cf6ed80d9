-- Every change to what the exchange search finds (a question, its answers, a practice's
-- published version), in order: each instance applies the rows after the last it applied.
CREATE TABLE exchange_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    item TEXT NOT NULL CHECK (item IN ('question', 'practice')),
    item_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
-- What was there before the change log: every item once.
INSERT INTO exchange_changes (item, item_id, created_at) SELECT 'question', id, updated_at FROM exchange_questions ORDER BY id;
INSERT INTO exchange_changes (item, item_id, created_at) SELECT 'practice', id, updated_at FROM exchange_practices ORDER BY id;
