-- Regions and Autonomous Provinces, with their category for cohesion policy 2021-2027
-- and whether they joined the Regional Partnership on Digital Skills for Health.
CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    partnership BIGINT NOT NULL
);
INSERT INTO regions (code, name, kind, category, partnership) VALUES
    ('ABR', 'Abruzzo', 'regione', 'transition', 0),
    ('BAS', 'Basilicata', 'regione', 'less_developed', 1),
    ('CAL', 'Calabria', 'regione', 'less_developed', 1),
    ('CAM', 'Campania', 'regione', 'less_developed', 0),
    ('EMR', 'Emilia-Romagna', 'regione', 'more_developed', 1),
    ('FVG', 'Friuli Venezia Giulia', 'regione', 'more_developed', 1),
    ('LAZ', 'Lazio', 'regione', 'more_developed', 0),
    ('LIG', 'Liguria', 'regione', 'more_developed', 1),
    ('LOM', 'Lombardia', 'regione', 'more_developed', 1),
    ('MAR', 'Marche', 'regione', 'transition', 1),
    ('MOL', 'Molise', 'regione', 'less_developed', 0),
    ('PIE', 'Piemonte', 'regione', 'more_developed', 1),
    ('PUG', 'Puglia', 'regione', 'less_developed', 1),
    ('SAR', 'Sardegna', 'regione', 'less_developed', 1),
    ('SIC', 'Sicilia', 'regione', 'less_developed', 1),
    ('TOS', 'Toscana', 'regione', 'more_developed', 1),
    ('UMB', 'Umbria', 'regione', 'transition', 1),
    ('VDA', 'Valle d''Aosta', 'regione', 'more_developed', 1),
    ('VEN', 'Veneto', 'regione', 'more_developed', 1),
    ('PAB', 'Provincia autonoma di Bolzano', 'provincia_autonoma', 'more_developed', 1),
    ('PAT', 'Provincia autonoma di Trento', 'provincia_autonoma', 'more_developed', 1);

CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    region_code TEXT REFERENCES regions (code),
    organisation TEXT,
    organisation_kind TEXT,
    lang TEXT NOT NULL,
    notify_email BIGINT NOT NULL,
    active BIGINT NOT NULL,
    erased BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_signin_at BIGINT
);
CREATE INDEX users_role ON users (role);

-- One-time sign-in links: only the hash of the token is kept.
CREATE TABLE signin_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- Server-side sessions, shared by every instance: the cookie holds a random id whose
-- hash is the key here.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Rate-limit events (sign-in link requests), counted in the database so limits hold
-- across instances.
CREATE TABLE rate_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bucket TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX rate_events_bucket ON rate_events (bucket, at);
