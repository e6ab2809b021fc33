-- SceneMarks per minute (issue #5 timeline target): an exact rollup of `scenemarks` by the
-- UTC minute of time_ms, so a timeline without filters sums at most one row per minute instead
-- of counting every SceneMark in the range. `minute_ms` is time_ms floored to a multiple of
-- 60,000 (also for times before 1970: SQLite's `%` and `/` truncate toward zero, hence the
-- double modulo); minutes without SceneMarks have no row.
--
-- The triggers keep it exact for every write of `scenemarks`: ingest (INSERT … ON CONFLICT DO
-- NOTHING fires only when a row is inserted), a later revision replacing a row (UPDATE of
-- time_ms, counted only when the minute changes) and retention pruning (DELETE). Nothing writes
-- `scenemarks` with REPLACE, whose implicit deletes would skip the delete trigger.

CREATE TABLE scenemark_minutes (
  minute_ms INTEGER PRIMARY KEY,
  count     INTEGER NOT NULL CHECK (count > 0)
) STRICT;

INSERT INTO scenemark_minutes (minute_ms, count)
SELECT time_ms - (time_ms % 60000 + 60000) % 60000, count(*) FROM scenemarks GROUP BY 1;

CREATE TRIGGER scenemark_minutes_insert AFTER INSERT ON scenemarks BEGIN
  INSERT INTO scenemark_minutes (minute_ms, count)
  VALUES (new.time_ms - (new.time_ms % 60000 + 60000) % 60000, 1)
  ON CONFLICT (minute_ms) DO UPDATE SET count = count + 1;
END;

-- A minute's last SceneMark removes its row (count never reaches 0); otherwise one fewer.
CREATE TRIGGER scenemark_minutes_delete AFTER DELETE ON scenemarks BEGIN
  DELETE FROM scenemark_minutes
  WHERE minute_ms = old.time_ms - (old.time_ms % 60000 + 60000) % 60000 AND count = 1;
  UPDATE scenemark_minutes SET count = count - 1
  WHERE minute_ms = old.time_ms - (old.time_ms % 60000 + 60000) % 60000;
END;

CREATE TRIGGER scenemark_minutes_update AFTER UPDATE OF time_ms ON scenemarks
WHEN old.time_ms - (old.time_ms % 60000 + 60000) % 60000
  <> new.time_ms - (new.time_ms % 60000 + 60000) % 60000
BEGIN
  DELETE FROM scenemark_minutes
  WHERE minute_ms = old.time_ms - (old.time_ms % 60000 + 60000) % 60000 AND count = 1;
  UPDATE scenemark_minutes SET count = count - 1
  WHERE minute_ms = old.time_ms - (old.time_ms % 60000 + 60000) % 60000;
  INSERT INTO scenemark_minutes (minute_ms, count)
  VALUES (new.time_ms - (new.time_ms % 60000 + 60000) % 60000, 1)
  ON CONFLICT (minute_ms) DO UPDATE SET count = count + 1;
END;
