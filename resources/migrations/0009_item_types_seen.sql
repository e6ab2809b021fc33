-- The item types the history has held, for the SceneMarks search facet. The facet read them from
-- an index on detected_objects (item_type, scenemark_row) by a loose index scan; that index cost
-- about 9 µs per inserted SceneMark (~14 % of the store, issue #5 ingest target) and served
-- nothing else. The ingest repository adds the types of each batch here, as it does devices and
-- nodes; pruning leaves a type listed, as it leaves a device.
CREATE TABLE item_types (
  item_type TEXT PRIMARY KEY NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO item_types (item_type) SELECT DISTINCT item_type FROM detected_objects;
DROP INDEX detected_objects_by_item;
