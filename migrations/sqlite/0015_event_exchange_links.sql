-- A forum (WP5 Task 5.4) links questions between Regions and practices of the Regions: its page
-- shows them and attendees get them with the event's materials.
CREATE TABLE event_exchange_links (
    event_id BIGINT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    item TEXT NOT NULL CHECK (item IN ('question', 'practice')),
    item_id BIGINT NOT NULL,
    position BIGINT NOT NULL,
    PRIMARY KEY (event_id, item, item_id)
);
