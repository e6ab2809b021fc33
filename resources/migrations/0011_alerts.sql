-- Alert rules and the alerts they raised (issue #13 item 3). Matching runs in main on what
-- ingest stores. A rule's filters are all optional (NULL = any); DeviceIDs are lowercase like
-- device_names. An alert keeps its rule's name, so deleting a rule never loses its alerts.
-- A match within the rule's cooldown for the same device folds into the open alert
-- (match_count, last_match_ms) instead of calling the operator again.
CREATE TABLE alert_rules (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL,
  device_id       TEXT CHECK (device_id IS NULL OR device_id = lower(device_id)),
  node_id         TEXT,
  item_type       TEXT,
  event_type      TEXT,
  min_probability REAL CHECK (min_probability IS NULL OR min_probability BETWEEN 0 AND 1),
  cooldown_ms     INTEGER NOT NULL CHECK (cooldown_ms >= 0),
  enabled         INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  created_ms      INTEGER NOT NULL
) STRICT;

CREATE TABLE alerts (
  id              INTEGER PRIMARY KEY,
  rule_id         INTEGER REFERENCES alert_rules (id) ON DELETE SET NULL,
  rule_name       TEXT NOT NULL,
  scenemark_id    TEXT NOT NULL,
  device_id       TEXT,
  node_id         TEXT NOT NULL,
  event_type      TEXT,
  item_types      TEXT NOT NULL,
  probability     REAL,
  time_ms         INTEGER NOT NULL,
  raised_ms       INTEGER NOT NULL,
  match_count     INTEGER NOT NULL DEFAULT 1,
  last_match_ms   INTEGER NOT NULL,
  acknowledged_ms INTEGER
) STRICT;

CREATE INDEX alerts_open ON alerts (acknowledged_ms) WHERE acknowledged_ms IS NULL;
CREATE INDEX alerts_by_scenemark ON alerts (scenemark_id);
CREATE INDEX alerts_by_rule_device ON alerts (rule_id, device_id, raised_ms);
