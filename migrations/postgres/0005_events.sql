-- Webinars, Open Labs, mentorship labs and forums (WP5 Tasks 5.1-5.4): "events", so that
-- "session" keeps meaning a sign-in session. Instants are Unix ms (UTC); lists are
-- comma-separated codes or slugs.
CREATE TABLE events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    online_url TEXT,
    venue TEXT,
    capacity BIGINT NOT NULL,
    registration_opens_at BIGINT,
    registration_closes_at BIGINT,
    audience TEXT NOT NULL,
    funds TEXT NOT NULL,
    topics TEXT NOT NULL,
    guides TEXT NOT NULL,
    speakers TEXT NOT NULL,
    materials_url TEXT,
    recording_url TEXT,
    state TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    completed_at BIGINT
);
CREATE INDEX events_starts ON events (state, starts_at);

CREATE TABLE registrations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL,
    -- Order of arrival: the waiting list is served by it.
    position BIGINT NOT NULL,
    attended BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- One live registration (confirmed or waitlisted) per person and event.
CREATE UNIQUE INDEX registrations_live ON registrations (event_id, user_id) WHERE state IN ('confirmed', 'waitlisted');
CREATE INDEX registrations_event ON registrations (event_id, state, position);
CREATE INDEX registrations_user ON registrations (user_id);

-- Personal calendar feeds: the secret in the address is kept only as a hash.
CREATE TABLE calendar_feeds (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
