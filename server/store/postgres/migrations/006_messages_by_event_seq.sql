-- A cluster's nodes read the events of a seq range that did not reach
-- them over NATS (store.EventLog.Between), message events included, which
-- live in messages' rows. Messages are appended in event_seq order, so a
-- BRIN index finds a range for almost nothing on each insert.
CREATE INDEX messages_event_seq ON messages USING brin (event_seq);
