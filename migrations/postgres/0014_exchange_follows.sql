-- Follows (WP5 Task 5.4): people follow a question, a topic or a fund; new answers, accepted
-- answers and newly approved practices reach them by mail, at once or in a daily digest.
CREATE TABLE exchange_follows (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    target TEXT NOT NULL CHECK (target IN ('question', 'topic', 'fund')),
    -- The question's id, the topic's slug or the fund's name.
    target_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, target, target_key)
);
CREATE INDEX exchange_follows_target ON exchange_follows (target, target_key);

-- How a person gets news of what they follow: each piece at once, or one mail a day.
ALTER TABLE users ADD COLUMN exchange_mail TEXT NOT NULL DEFAULT 'immediate';

-- Kinds of exchange mail a person stopped with the one-click link (answer, accepted,
-- practice, digest).
CREATE TABLE exchange_mail_stops (
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- News waiting for a person's daily digest.
CREATE TABLE exchange_news (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    title TEXT NOT NULL,
    path TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    UNIQUE (user_id, kind, item_id)
);
CREATE INDEX exchange_news_due ON exchange_news (sent_at, user_id);

-- The one-click unsubscribe address of a message (RFC 8058), sent as List-Unsubscribe.
ALTER TABLE outbox ADD COLUMN list_unsubscribe TEXT;
