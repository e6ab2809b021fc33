-- The embedded NICE account service (LA and AS roles under one EndPointID). Its own database,
-- separate from the console's: another site's account service would not share the console's.

-- Who the account service is. One row. The private key is kept as a JWK in clear text: the
-- embedded service runs on loopback for a single workstation and has no secret store of its own.
-- command_id_reserved is the high-water mark of CommandIDs handed out in blocks, so IDs never
-- repeat after a restart (a device's replay guard would answer a new command from its cache).
CREATE TABLE site_identity (
  singleton           INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
  endpoint_id         TEXT NOT NULL,
  public_jwk          TEXT NOT NULL,
  private_jwk         TEXT NOT NULL,
  command_id_reserved INTEGER NOT NULL DEFAULT 0 CHECK (command_id_reserved >= 0),
  created_at_ms       INTEGER NOT NULL
) STRICT;

-- Every well-formed DeviceID that asked GetManagementEndPoint, and whether it is bound.
CREATE TABLE site_devices (
  device_id     TEXT PRIMARY KEY NOT NULL,
  name          TEXT,
  public_jwk    TEXT NOT NULL,
  binding       TEXT NOT NULL CHECK (binding IN ('pending', 'bound', 'released')),
  -- JSON array of NodeIDs the device announced.
  nodes         TEXT NOT NULL DEFAULT '[]',
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms  INTEGER,
  bound_at_ms   INTEGER
) STRICT;

-- Apps (the console) that may open control sessions; their keys are what devices encrypt to.
CREATE TABLE site_apps (
  app_id           TEXT PRIMARY KEY NOT NULL,
  name             TEXT,
  public_jwk       TEXT NOT NULL,
  registered_at_ms INTEGER NOT NULL
) STRICT;

-- Ids of the tokens this service signed (never the tokens themselves).
CREATE TABLE site_issued_tokens (
  jti           TEXT PRIMARY KEY NOT NULL,
  subject       TEXT NOT NULL,
  -- JSON: a string or an array of EndPointIDs.
  audience      TEXT NOT NULL,
  -- JSON array of permissions.
  permissions   TEXT NOT NULL,
  issued_at_ms  INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX site_issued_tokens_expiry ON site_issued_tokens (expires_at_ms);

-- Revoked token ids; kept until the token would have expired anyway (RevokedJSONTokenIDs).
CREATE TABLE site_revoked_tokens (
  jti           TEXT PRIMARY KEY NOT NULL,
  revoked_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE site_control_sessions (
  session_id    TEXT PRIMARY KEY NOT NULL,
  app_id        TEXT NOT NULL REFERENCES site_apps (app_id),
  device_id     TEXT NOT NULL REFERENCES site_devices (device_id),
  node_id       TEXT,
  -- JSON array of purposes (Control, Data, Streaming).
  purposes      TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('pending', 'opening', 'closed', 'failed')),
  opened_at_ms  INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  closed_at_ms  INTEGER,
  reason        TEXT
) STRICT;

CREATE INDEX site_control_sessions_device ON site_control_sessions (device_id, state);
