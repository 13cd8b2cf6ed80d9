-- What makes this installation itself: one row, created at first start, holding a random
-- secret that Message-IDs are derived from, so that two installations, or a database
-- started afresh, never name different mail alike.
CREATE TABLE installation (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- The calendar UID of an event, stored the first time an invitation or a feed needs it.
ALTER TABLE events ADD COLUMN uid TEXT;
CREATE UNIQUE INDEX events_uid ON events (uid);

-- Tokens of people deactivated before deactivation revoked them: revoked now, so that a
-- reactivation does not bring them back.
UPDATE api_tokens SET revoked_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000
WHERE revoked_at IS NULL AND user_id IN (SELECT id FROM users WHERE active = 0);
