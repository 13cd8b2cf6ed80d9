-- Every column that holds one of a fixed set of values refuses any other (the same values the
-- Rust enums read; lists and open sets such as outbox and job kinds are left free).
ALTER TABLE regions ADD CONSTRAINT regions_kind_check CHECK (kind IN ('regione', 'provincia_autonoma'));
ALTER TABLE regions ADD CONSTRAINT regions_category_check
    CHECK (category IN ('less_developed', 'transition', 'more_developed'));

ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('officer', 'mentor', 'coordinator'));
ALTER TABLE users ADD CONSTRAINT users_organisation_kind_check
    CHECK (organisation_kind IN ('regione', 'asl', 'ospedale', 'ente_formazione', 'altro'));
ALTER TABLE users ADD CONSTRAINT users_lang_check CHECK (lang IN ('it', 'en'));

ALTER TABLE outbox ADD CONSTRAINT outbox_lang_check CHECK (lang IN ('it', 'en'));
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('pending', 'sending', 'sent', 'dead', 'cancelled'));

ALTER TABLE jobs ADD CONSTRAINT jobs_status_check
    CHECK (status IN ('pending', 'running', 'done', 'dead', 'cancelled'));

ALTER TABLE search_log ADD CONSTRAINT search_log_ui_lang_check CHECK (ui_lang IN ('it', 'en'));

ALTER TABLE mentor_experience ADD CONSTRAINT mentor_experience_fund_check CHECK (fund IN ('FSE+', 'FESR', 'JTF'));
ALTER TABLE mentor_experience ADD CONSTRAINT mentor_experience_role_check
    CHECK (role IN ('adg', 'oi', 'audit', 'beneficiario'));

ALTER TABLE mentorship_requests ADD CONSTRAINT mentorship_requests_fund_check CHECK (fund IN ('FSE+', 'FESR', 'JTF'));
ALTER TABLE mentorship_requests ADD CONSTRAINT mentorship_requests_language_check CHECK (language IN ('it', 'en'));
ALTER TABLE mentorship_requests ADD CONSTRAINT mentorship_requests_format_check
    CHECK (format IN ('remote', 'expert_mission', 'study_visit'));
ALTER TABLE mentorship_requests ADD CONSTRAINT mentorship_requests_state_check
    CHECK (state IN ('open', 'matched', 'closed', 'withdrawn'));

ALTER TABLE mentorship_matches ADD CONSTRAINT mentorship_matches_state_check CHECK (state IN ('suggested', 'proposed',
    'discarded', 'accepted', 'declined', 'expired', 'withdrawn', 'completed', 'cancelled'));

-- A transition with a match is a match's (its states); one without is the request's own.
ALTER TABLE mentorship_transitions ADD CONSTRAINT mentorship_transitions_from_state_check CHECK (
    from_state IS NULL
    OR (match_id IS NULL AND from_state IN ('open', 'matched', 'closed', 'withdrawn'))
    OR (match_id IS NOT NULL AND from_state IN ('suggested', 'proposed', 'discarded', 'accepted', 'declined',
        'expired', 'withdrawn', 'completed', 'cancelled')));
ALTER TABLE mentorship_transitions ADD CONSTRAINT mentorship_transitions_to_state_check CHECK (
    (match_id IS NULL AND to_state IN ('open', 'matched', 'closed', 'withdrawn'))
    OR (match_id IS NOT NULL AND to_state IN ('suggested', 'proposed', 'discarded', 'accepted', 'declined',
        'expired', 'withdrawn', 'completed', 'cancelled')));

ALTER TABLE mentorship_feedback ADD CONSTRAINT mentorship_feedback_side_check CHECK (side IN ('officer', 'mentor'));

ALTER TABLE events ADD CONSTRAINT events_kind_check CHECK (kind IN ('webinar', 'open_lab', 'mentorship_lab', 'forum'));
ALTER TABLE events ADD CONSTRAINT events_state_check CHECK (state IN ('draft', 'published', 'cancelled', 'completed'));

ALTER TABLE registrations ADD CONSTRAINT registrations_state_check
    CHECK (state IN ('confirmed', 'waitlisted', 'cancelled'));
