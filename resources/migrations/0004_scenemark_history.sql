-- SceneMarks and session history (issue #5). Every SceneMark keeps its original bytes verbatim
-- beside the normalised columns used for search; times are milliseconds since the epoch (UTC).

CREATE TABLE devices (
  device_id     TEXT PRIMARY KEY NOT NULL,
  name          TEXT,
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms  INTEGER NOT NULL
) STRICT;

CREATE TABLE nodes (
  device_id     TEXT NOT NULL REFERENCES devices (device_id) ON DELETE CASCADE,
  node_id       TEXT NOT NULL,
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms  INTEGER NOT NULL,
  PRIMARY KEY (device_id, node_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE scenemarks (
  id                  INTEGER PRIMARY KEY,
  scenemark_id        TEXT NOT NULL UNIQUE,
  time_ms             INTEGER NOT NULL,
  device_id           TEXT,
  node_id             TEXT NOT NULL,
  port_id             TEXT,
  event_type          TEXT,
  status              TEXT NOT NULL,
  -- Distinct NICEItemTypes, space-separated with a leading and trailing space (` Human Vehicle `).
  item_types          TEXT NOT NULL,
  highest_probability REAL,
  schema_version      TEXT NOT NULL,
  -- VersionControl: a later version of the same SceneMarkID replaces the row.
  revision            INTEGER NOT NULL DEFAULT 0,
  original            BLOB NOT NULL,
  source              TEXT NOT NULL,
  received_ms         INTEGER NOT NULL
) STRICT;
-- Time order plus every filter column, so timelines and filtered pages are answered from the
-- index without reading the wide rows (which hold the original bytes).
CREATE INDEX scenemarks_by_time ON scenemarks (
  time_ms, id, status, event_type, highest_probability, device_id, node_id, item_types
);
CREATE INDEX scenemarks_by_device ON scenemarks (device_id, node_id, time_ms, id);
CREATE INDEX scenemarks_by_event ON scenemarks (event_type, time_ms, id);

CREATE TABLE detected_objects (
  scenemark_row INTEGER NOT NULL REFERENCES scenemarks (id) ON DELETE CASCADE,
  ordinal       INTEGER NOT NULL,
  item_type     TEXT NOT NULL,
  probability   REAL,
  box_x         REAL,
  box_y         REAL,
  box_width     REAL,
  box_height    REAL,
  PRIMARY KEY (scenemark_row, ordinal)
) STRICT, WITHOUT ROWID;
CREATE INDEX detected_objects_by_item ON detected_objects (item_type, scenemark_row);

CREATE TABLE scene_data (
  scene_data_id TEXT PRIMARY KEY NOT NULL,
  scenemark_id  TEXT,
  media_format  TEXT,
  encoding      TEXT,
  byte_size     INTEGER NOT NULL,
  sha256        TEXT NOT NULL,
  -- Thumbnails and small files are kept inline; larger ones only by reference.
  content       BLOB,
  uri           TEXT,
  received_ms   INTEGER NOT NULL
) STRICT;
CREATE INDEX scene_data_by_scenemark ON scene_data (scenemark_id);

CREATE TABLE sessions (
  session_id  TEXT PRIMARY KEY NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('control', 'webrtc', 'whisp')),
  peer        TEXT,
  started_ms  INTEGER NOT NULL,
  ended_ms    INTEGER,
  outcome     TEXT,
  summary     TEXT
) STRICT;
CREATE INDEX sessions_by_start ON sessions (started_ms);

CREATE TABLE command_audit (
  id           INTEGER PRIMARY KEY,
  sent_ms      INTEGER NOT NULL,
  profile_id   TEXT,
  target       TEXT NOT NULL,
  command_type TEXT NOT NULL,
  command_id   INTEGER,
  status_code  INTEGER,
  outcome      TEXT NOT NULL,
  latency_ms   REAL
) STRICT;
CREATE INDEX command_audit_by_time ON command_audit (sent_ms);

CREATE TABLE rejects (
  id          INTEGER PRIMARY KEY,
  received_ms INTEGER NOT NULL,
  source      TEXT NOT NULL,
  reason      TEXT NOT NULL,
  field       TEXT,
  original    BLOB NOT NULL
) STRICT;
CREATE INDEX rejects_by_time ON rejects (received_ms);
