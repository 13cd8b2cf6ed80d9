-- Practices of the Regions (WP5 Task 5.4): an officer describes what their Region did with the
-- funds; a coordinator reviews every version before signed-in users see it. An approved
-- practice edited again keeps its approved version visible until the new one is reviewed.
CREATE TABLE exchange_practices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    region_code TEXT NOT NULL,
    author_id BIGINT NOT NULL REFERENCES users (id),
    -- The approved version signed-in users see; none until the first approval.
    published_version_id BIGINT,
    published_at BIGINT,
    -- Hidden by a coordinator when the reason is set (its author reads it).
    hidden_reason TEXT,
    hidden_by BIGINT REFERENCES users (id),
    hidden_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX exchange_practices_author ON exchange_practices (author_id);
CREATE INDEX exchange_practices_published ON exchange_practices (published_at);

CREATE TABLE exchange_practice_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    practice_id BIGINT NOT NULL REFERENCES exchange_practices (id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'pending', 'returned', 'approved', 'superseded')),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    -- JSON arrays: fund names, phase slugs, topic slugs, cost option codes.
    funds TEXT NOT NULL DEFAULT '[]',
    phases TEXT NOT NULL DEFAULT '[]',
    topics TEXT NOT NULL DEFAULT '[]',
    cost_options TEXT NOT NULL DEFAULT '[]',
    what_done TEXT NOT NULL,
    act_reference TEXT NOT NULL DEFAULT '',
    act_url TEXT NOT NULL DEFAULT '',
    budget_eur BIGINT,
    people_trained BIGINT,
    results TEXT NOT NULL DEFAULT '',
    lessons TEXT NOT NULL DEFAULT '',
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    review_comment TEXT,
    reviewed_by BIGINT REFERENCES users (id),
    reviewed_at BIGINT,
    submitted_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (practice_id, number)
);
CREATE INDEX exchange_practice_versions_state ON exchange_practice_versions (state, submitted_at);

-- An attachment's bytes, stored once and served by every instance.
CREATE TABLE exchange_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at BIGINT NOT NULL
);

-- The attachments of a version (a new version starts with its predecessor's).
CREATE TABLE exchange_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    version_id BIGINT NOT NULL REFERENCES exchange_practice_versions (id) ON DELETE CASCADE,
    file_id BIGINT NOT NULL REFERENCES exchange_files (id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX exchange_attachments_version ON exchange_attachments (version_id);
