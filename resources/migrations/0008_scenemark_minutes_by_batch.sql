-- Ingest counts new SceneMarks into scenemark_minutes once per minute per batch
-- (SceneMarkRepository, SceneMarkMinutes) instead of through a row trigger: the mere presence
-- of an AFTER INSERT trigger on scenemarks cost about 20 µs per inserted row, a third of the
-- whole store, on the reference machine (issue #5 ingest target). Deletes and time changes keep
-- their triggers: pruning and revisions are not the hot path, and every writer gets them.
-- Whoever inserts into scenemarks must now count the rows into scenemark_minutes itself.
DROP TRIGGER scenemark_minutes_insert;
