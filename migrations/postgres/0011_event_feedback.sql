-- Attendees' word on a completed event: how useful it was (1-5) and an optional comment,
-- one answer per person and event, editable for 14 days after the event.
CREATE TABLE event_feedback (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    useful BIGINT NOT NULL CHECK (useful BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (event_id, user_id)
);
