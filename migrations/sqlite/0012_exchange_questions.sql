-- Questions between Regions (WP5 Task 5.4): any signed-in person asks, officers, mentors and
-- coordinators answer, the asker or a coordinator accepts the answer that solved it.
-- Coordinators hide a question or an answer with a reason its author reads; anyone reports one.
CREATE TABLE exchange_questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id BIGINT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    fund TEXT CHECK (fund IN ('FSE+', 'FESR', 'JTF')),
    -- JSON array of topic slugs.
    topics TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL DEFAULT 'visible' CHECK (state IN ('visible', 'hidden')),
    hidden_reason TEXT,
    hidden_by BIGINT REFERENCES users (id),
    hidden_at BIGINT,
    accepted_answer_id BIGINT,
    accepted_by BIGINT REFERENCES users (id),
    accepted_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    edited_at BIGINT
);
CREATE INDEX exchange_questions_list ON exchange_questions (state, created_at);
CREATE INDEX exchange_questions_author ON exchange_questions (author_id, created_at);

CREATE TABLE exchange_answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id BIGINT NOT NULL REFERENCES exchange_questions (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'visible' CHECK (state IN ('visible', 'hidden')),
    hidden_reason TEXT,
    hidden_by BIGINT REFERENCES users (id),
    hidden_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    edited_at BIGINT
);
CREATE INDEX exchange_answers_question ON exchange_answers (question_id, created_at);

CREATE TABLE exchange_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item TEXT NOT NULL CHECK (item IN ('question', 'answer')),
    item_id BIGINT NOT NULL,
    reporter_id BIGINT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'handled')),
    handled_by BIGINT REFERENCES users (id),
    handled_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX exchange_reports_state ON exchange_reports (state, created_at);
