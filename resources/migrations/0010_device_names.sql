-- Device display names (issue #17), one place for every view: `site_name` is what the device's
-- site records (the DeviceName it gave at bootstrap), kept in step by the device directory;
-- `operator_name` is the operator's own and wins. Keyed by the lowercase DeviceID, so a name
-- holds however a SceneMark spells the id. devices.name was never written and stays unused.
CREATE TABLE device_names (
  device_id     TEXT PRIMARY KEY NOT NULL CHECK (device_id = lower(device_id)),
  site_name     TEXT,
  operator_name TEXT,
  updated_ms    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
