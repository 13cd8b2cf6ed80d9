-- Every guide search, without personal data: what was asked and how much was found.
CREATE TABLE search_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    query TEXT NOT NULL,
    filters TEXT NOT NULL,
    result_count BIGINT NOT NULL,
    took_us BIGINT NOT NULL,
    ui_lang TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX search_log_created ON search_log (created_at);
CREATE INDEX search_log_empty ON search_log (result_count, created_at);
