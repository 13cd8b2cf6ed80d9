-- Every column that holds one of a fixed set of values refuses any other (the same values the
-- Rust enums read; lists and open sets such as outbox and job kinds are left free).
--
-- SQLite cannot add a CHECK to an existing table, so each table is rebuilt: its rows are
-- copied aside, the table is dropped, created again under its own name with the CHECKs, filled
-- back, and its indexes are created again exactly as before.
--
-- The pool keeps foreign keys on and this runs inside the migration's transaction, where they
-- cannot be switched off. Deferring them lets a parent table be dropped while child rows point
-- at it: each of those rows counts as one open violation until COMMIT. Filling the new parent
-- table under the same name closes exactly those violations again; renaming a copy into place
-- (the usual recipe) would not, and COMMIT would fail. Nothing here has ON DELETE actions, so
-- no child row is touched.
PRAGMA defer_foreign_keys = ON;

-- Dropping and filling a parent table looks up each of its rows in every child table; these
-- columns have no index of their own, and without one each lookup reads the whole child table.
-- Parents are rebuilt before their children, so an index on a rebuilt child lasts as long as it
-- is needed and goes with the old table; the others are dropped at the end.
CREATE INDEX rebuild_signin_tokens_user ON signin_tokens (user_id);
CREATE INDEX rebuild_mentorship_requests_officer ON mentorship_requests (officer_id);
CREATE INDEX rebuild_mentorship_transitions_actor ON mentorship_transitions (actor_id);
CREATE INDEX rebuild_mentorship_transitions_match ON mentorship_transitions (match_id);
CREATE INDEX rebuild_mentorship_meetings_author ON mentorship_meetings (author_id);
CREATE INDEX rebuild_mentorship_feedback_author ON mentorship_feedback (author_id);
CREATE INDEX rebuild_events_created_by ON events (created_by);

-- Dropping a table forgets its AUTOINCREMENT counter; ids of deleted rows must not come back.
CREATE TEMP TABLE sequences AS SELECT name, seq FROM sqlite_sequence;

CREATE TEMP TABLE regions_rows AS SELECT * FROM regions;
DROP TABLE regions;
CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CONSTRAINT regions_kind_check CHECK (kind IN ('regione', 'provincia_autonoma')),
    category TEXT NOT NULL CONSTRAINT regions_category_check
        CHECK (category IN ('less_developed', 'transition', 'more_developed')),
    partnership BIGINT NOT NULL
);
INSERT INTO regions SELECT * FROM temp.regions_rows;
DROP TABLE temp.regions_rows;

CREATE TEMP TABLE users_rows AS SELECT * FROM users;
DROP TABLE users;
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CONSTRAINT users_role_check CHECK (role IN ('officer', 'mentor', 'coordinator')),
    region_code TEXT REFERENCES regions (code),
    organisation TEXT,
    organisation_kind TEXT CONSTRAINT users_organisation_kind_check
        CHECK (organisation_kind IN ('regione', 'asl', 'ospedale', 'ente_formazione', 'altro')),
    lang TEXT NOT NULL CONSTRAINT users_lang_check CHECK (lang IN ('it', 'en')),
    notify_email BIGINT NOT NULL,
    active BIGINT NOT NULL,
    erased BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_signin_at BIGINT
);
INSERT INTO users SELECT * FROM temp.users_rows;
DROP TABLE temp.users_rows;
CREATE INDEX users_role ON users (role);

CREATE TEMP TABLE outbox_rows AS SELECT * FROM outbox;
DROP TABLE outbox;
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    message_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    recipient_name TEXT NOT NULL,
    lang TEXT NOT NULL CONSTRAINT outbox_lang_check CHECK (lang IN ('it', 'en')),
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    attachments TEXT NOT NULL,
    status TEXT NOT NULL CONSTRAINT outbox_status_check
        CHECK (status IN ('pending', 'sending', 'sent', 'dead', 'cancelled')),
    attempts BIGINT NOT NULL DEFAULT 0,
    not_before BIGINT NOT NULL,
    lease_until BIGINT,
    claimed_by TEXT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    updated_at BIGINT NOT NULL
);
INSERT INTO outbox SELECT * FROM temp.outbox_rows;
DROP TABLE temp.outbox_rows;
CREATE INDEX outbox_due ON outbox (status, not_before);
CREATE INDEX outbox_recipient ON outbox (recipient);
CREATE INDEX outbox_kind ON outbox (kind);

CREATE TEMP TABLE jobs_rows AS SELECT * FROM jobs;
DROP TABLE jobs;
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CONSTRAINT jobs_status_check
        CHECK (status IN ('pending', 'running', 'done', 'dead', 'cancelled')),
    attempts BIGINT NOT NULL DEFAULT 0,
    run_at BIGINT NOT NULL,
    lease_until BIGINT,
    claimed_by TEXT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    done_at BIGINT,
    updated_at BIGINT NOT NULL
);
INSERT INTO jobs SELECT * FROM temp.jobs_rows;
DROP TABLE temp.jobs_rows;
CREATE INDEX jobs_due ON jobs (status, run_at);

CREATE TEMP TABLE search_log_rows AS SELECT * FROM search_log;
DROP TABLE search_log;
CREATE TABLE search_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    query TEXT NOT NULL,
    filters TEXT NOT NULL,
    result_count BIGINT NOT NULL,
    took_us BIGINT NOT NULL,
    ui_lang TEXT NOT NULL CONSTRAINT search_log_ui_lang_check CHECK (ui_lang IN ('it', 'en')),
    created_at BIGINT NOT NULL,
    answered SMALLINT NOT NULL DEFAULT 1
);
INSERT INTO search_log SELECT * FROM temp.search_log_rows;
DROP TABLE temp.search_log_rows;
CREATE INDEX search_log_created ON search_log (created_at);
CREATE INDEX search_log_empty ON search_log (result_count, created_at);
CREATE INDEX search_log_unanswered ON search_log (answered, created_at);

CREATE TEMP TABLE mentor_experience_rows AS SELECT * FROM mentor_experience;
DROP TABLE mentor_experience;
CREATE TABLE mentor_experience (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id),
    fund TEXT NOT NULL CONSTRAINT mentor_experience_fund_check CHECK (fund IN ('FSE+', 'FESR', 'JTF')),
    role TEXT NOT NULL CONSTRAINT mentor_experience_role_check CHECK (role IN ('adg', 'oi', 'audit', 'beneficiario')),
    programme TEXT NOT NULL,
    region_code TEXT REFERENCES regions (code)
);
INSERT INTO mentor_experience SELECT * FROM temp.mentor_experience_rows;
DROP TABLE temp.mentor_experience_rows;
CREATE INDEX mentor_experience_user ON mentor_experience (user_id);

CREATE TEMP TABLE mentorship_requests_rows AS SELECT * FROM mentorship_requests;
DROP TABLE mentorship_requests;
CREATE TABLE mentorship_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code TEXT NOT NULL REFERENCES regions (code),
    officer_id BIGINT NOT NULL REFERENCES users (id),
    fund TEXT NOT NULL CONSTRAINT mentorship_requests_fund_check CHECK (fund IN ('FSE+', 'FESR', 'JTF')),
    topics TEXT NOT NULL,
    language TEXT NOT NULL CONSTRAINT mentorship_requests_language_check CHECK (language IN ('it', 'en')),
    format TEXT NOT NULL CONSTRAINT mentorship_requests_format_check
        CHECK (format IN ('remote', 'expert_mission', 'study_visit')),
    description TEXT NOT NULL,
    period_from TEXT,
    period_until TEXT,
    state TEXT NOT NULL CONSTRAINT mentorship_requests_state_check
        CHECK (state IN ('open', 'matched', 'closed', 'withdrawn')),
    form_key TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO mentorship_requests SELECT * FROM temp.mentorship_requests_rows;
DROP TABLE temp.mentorship_requests_rows;
CREATE INDEX mentorship_requests_state ON mentorship_requests (state);
CREATE INDEX mentorship_requests_region ON mentorship_requests (region_code);
CREATE INDEX mentorship_requests_created ON mentorship_requests (created_at);

CREATE TEMP TABLE mentorship_matches_rows AS SELECT * FROM mentorship_matches;
DROP TABLE mentorship_matches;
CREATE TABLE mentorship_matches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT NOT NULL REFERENCES mentorship_requests (id),
    mentor_id BIGINT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL CONSTRAINT mentorship_matches_state_check CHECK (state IN ('suggested', 'proposed',
        'discarded', 'accepted', 'declined', 'expired', 'withdrawn', 'completed', 'cancelled')),
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
INSERT INTO mentorship_matches SELECT * FROM temp.mentorship_matches_rows;
DROP TABLE temp.mentorship_matches_rows;
CREATE UNIQUE INDEX mentorship_matches_live ON mentorship_matches (request_id)
    WHERE state IN ('suggested', 'proposed', 'accepted');
CREATE INDEX mentorship_matches_mentor ON mentorship_matches (mentor_id, state);
CREATE INDEX mentorship_matches_state ON mentorship_matches (state);
CREATE INDEX mentorship_matches_request ON mentorship_matches (request_id, state);

-- A transition with a match is a match's (its states); one without is the request's own.
CREATE TEMP TABLE mentorship_transitions_rows AS SELECT * FROM mentorship_transitions;
DROP TABLE mentorship_transitions;
CREATE TABLE mentorship_transitions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT NOT NULL REFERENCES mentorship_requests (id),
    match_id BIGINT REFERENCES mentorship_matches (id),
    from_state TEXT CONSTRAINT mentorship_transitions_from_state_check CHECK (
        from_state IS NULL
        OR (match_id IS NULL AND from_state IN ('open', 'matched', 'closed', 'withdrawn'))
        OR (match_id IS NOT NULL AND from_state IN ('suggested', 'proposed', 'discarded', 'accepted', 'declined',
            'expired', 'withdrawn', 'completed', 'cancelled'))),
    to_state TEXT NOT NULL CONSTRAINT mentorship_transitions_to_state_check CHECK (
        (match_id IS NULL AND to_state IN ('open', 'matched', 'closed', 'withdrawn'))
        OR (match_id IS NOT NULL AND to_state IN ('suggested', 'proposed', 'discarded', 'accepted', 'declined',
            'expired', 'withdrawn', 'completed', 'cancelled'))),
    actor_id BIGINT REFERENCES users (id),
    note TEXT,
    at BIGINT NOT NULL
);
INSERT INTO mentorship_transitions SELECT * FROM temp.mentorship_transitions_rows;
DROP TABLE temp.mentorship_transitions_rows;
CREATE INDEX mentorship_transitions_request ON mentorship_transitions (request_id);

CREATE TEMP TABLE mentorship_feedback_rows AS SELECT * FROM mentorship_feedback;
DROP TABLE mentorship_feedback;
CREATE TABLE mentorship_feedback (
    match_id BIGINT NOT NULL REFERENCES mentorship_matches (id),
    side TEXT NOT NULL CONSTRAINT mentorship_feedback_side_check CHECK (side IN ('officer', 'mentor')),
    author_id BIGINT NOT NULL REFERENCES users (id),
    useful BIGINT NOT NULL,
    comment TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (match_id, side)
);
INSERT INTO mentorship_feedback SELECT * FROM temp.mentorship_feedback_rows;
DROP TABLE temp.mentorship_feedback_rows;

CREATE TEMP TABLE events_rows AS SELECT * FROM events;
DROP TABLE events;
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CONSTRAINT events_kind_check CHECK (kind IN ('webinar', 'open_lab', 'mentorship_lab', 'forum')),
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
    state TEXT NOT NULL CONSTRAINT events_state_check CHECK (state IN ('draft', 'published', 'cancelled', 'completed')),
    sequence BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    completed_at BIGINT
);
INSERT INTO events SELECT * FROM temp.events_rows;
DROP TABLE temp.events_rows;
CREATE INDEX events_starts ON events (state, starts_at);
CREATE INDEX events_kind_state ON events (state, kind, starts_at);

CREATE TEMP TABLE registrations_rows AS SELECT * FROM registrations;
DROP TABLE registrations;
CREATE TABLE registrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id BIGINT NOT NULL REFERENCES events (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL CONSTRAINT registrations_state_check CHECK (state IN ('confirmed', 'waitlisted', 'cancelled')),
    -- Order of arrival: the waiting list is served by it.
    position BIGINT NOT NULL,
    attended BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO registrations SELECT * FROM temp.registrations_rows;
DROP TABLE temp.registrations_rows;
CREATE UNIQUE INDEX registrations_live ON registrations (event_id, user_id) WHERE state IN ('confirmed', 'waitlisted');
CREATE INDEX registrations_event ON registrations (event_id, state, position);
CREATE INDEX registrations_user ON registrations (user_id);

DROP INDEX rebuild_signin_tokens_user;
DROP INDEX rebuild_mentorship_meetings_author;

UPDATE sqlite_sequence SET seq = MAX(seq, (SELECT s.seq FROM temp.sequences s WHERE s.name = sqlite_sequence.name))
    WHERE name IN (SELECT name FROM temp.sequences);
INSERT INTO sqlite_sequence (name, seq)
    SELECT name, seq FROM temp.sequences WHERE name NOT IN (SELECT name FROM sqlite_sequence);
DROP TABLE temp.sequences;
