-- Readers' word on the guides: "was this guide useful?" votes, one per person (or browser)
-- and guide, and reports of errors or outdated text, handled by coordinators with a note.
CREATE TABLE guide_votes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    guide_id TEXT NOT NULL,
    -- 'u:<user id>' for a signed-in person, 'b:<hash of the browser token>' otherwise.
    voter TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    useful BIGINT NOT NULL CHECK (useful IN (0, 1)),
    comment TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (guide_id, voter)
);
CREATE INDEX guide_votes_guide ON guide_votes (guide_id, useful);

CREATE TABLE guide_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    guide_id TEXT NOT NULL,
    -- The step the report is about; NULL: the guide as a whole.
    step BIGINT,
    body TEXT NOT NULL,
    source TEXT,
    reporter_id BIGINT NOT NULL REFERENCES users (id),
    form_key TEXT,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'handled')),
    note TEXT,
    handled_by BIGINT REFERENCES users (id),
    handled_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (reporter_id, form_key)
);
CREATE INDEX guide_reports_state ON guide_reports (state, created_at);
CREATE INDEX guide_reports_guide ON guide_reports (guide_id, state);
