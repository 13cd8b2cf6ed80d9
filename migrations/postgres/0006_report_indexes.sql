-- The dashboard reads every request's first proposal and acceptance; the live-match index
-- covers only live matches.
CREATE INDEX mentorship_matches_request ON mentorship_matches (request_id, state);
CREATE INDEX mentorship_requests_created ON mentorship_requests (created_at);
CREATE INDEX events_kind_state ON events (state, kind, starts_at);
