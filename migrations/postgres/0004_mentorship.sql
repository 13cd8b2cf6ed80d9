-- Mentorship (WP5 Task 5.3): mentor profiles, officers' requests, the matches the engine
-- suggests and their lifecycle, meetings and feedback. Dates chosen by people (pause,
-- desired period, meeting day) are ISO text 'YYYY-MM-DD'; instants are Unix ms.
CREATE TABLE mentor_profiles (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    topics TEXT NOT NULL,
    languages TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    employer_region TEXT REFERENCES regions (code),
    pause_from TEXT,
    pause_until TEXT,
    bio TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE mentor_experience (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    fund TEXT NOT NULL,
    role TEXT NOT NULL,
    programme TEXT NOT NULL,
    region_code TEXT REFERENCES regions (code)
);
CREATE INDEX mentor_experience_user ON mentor_experience (user_id);

CREATE TABLE mentorship_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region_code TEXT NOT NULL REFERENCES regions (code),
    officer_id BIGINT NOT NULL REFERENCES users (id),
    fund TEXT NOT NULL,
    topics TEXT NOT NULL,
    language TEXT NOT NULL,
    format TEXT NOT NULL,
    description TEXT NOT NULL,
    period_from TEXT,
    period_until TEXT,
    state TEXT NOT NULL,
    form_key TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX mentorship_requests_state ON mentorship_requests (state);
CREATE INDEX mentorship_requests_region ON mentorship_requests (region_code);

CREATE TABLE mentorship_matches (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES mentorship_requests (id),
    mentor_id BIGINT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL,
    score BIGINT NOT NULL,
    parts TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    proposed_at BIGINT,
    expires_at BIGINT,
    answered_at BIGINT,
    closed_at BIGINT,
    reason TEXT,
    updated_at BIGINT NOT NULL
);
-- At most one live match (suggested, proposed or accepted) per request.
CREATE UNIQUE INDEX mentorship_matches_live ON mentorship_matches (request_id)
    WHERE state IN ('suggested', 'proposed', 'accepted');
CREATE INDEX mentorship_matches_mentor ON mentorship_matches (mentor_id, state);
CREATE INDEX mentorship_matches_state ON mentorship_matches (state);

-- Every change of state of a request or a match: who, when, from what to what.
CREATE TABLE mentorship_transitions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id BIGINT NOT NULL REFERENCES mentorship_requests (id),
    match_id BIGINT REFERENCES mentorship_matches (id),
    from_state TEXT,
    to_state TEXT NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    note TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX mentorship_transitions_request ON mentorship_transitions (request_id);

CREATE TABLE mentorship_meetings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    match_id BIGINT NOT NULL REFERENCES mentorship_matches (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    held_on TEXT NOT NULL,
    topic TEXT NOT NULL,
    notes TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX mentorship_meetings_match ON mentorship_meetings (match_id);

CREATE TABLE mentorship_feedback (
    match_id BIGINT NOT NULL REFERENCES mentorship_matches (id),
    side TEXT NOT NULL,
    author_id BIGINT NOT NULL REFERENCES users (id),
    useful BIGINT NOT NULL,
    comment TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (match_id, side)
);

-- Service-wide switches coordinators change at run time; the row also serialises
-- assignment runs across instances (locked for the run's transaction).
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO settings (key, value, updated_at) VALUES ('mentorship_auto', '0', 0);
