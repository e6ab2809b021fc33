-- Retention budgets of the SceneMark history (issue #5 item 5). One row, created here with the
-- defaults that delete nothing: 0 days = keep forever, 0 MiB = no size limit.

CREATE TABLE retention_budgets (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  max_age_days INTEGER NOT NULL CHECK (max_age_days >= 0),
  max_size_mib INTEGER NOT NULL CHECK (max_size_mib >= 0),
  updated_ms   INTEGER NOT NULL
) STRICT;
INSERT INTO retention_budgets (id, max_age_days, max_size_mib, updated_ms) VALUES (1, 0, 0, 0);

-- SceneData files can arrive before (or without) their SceneMark; age pruning finds the old
-- unattached ones by arrival time.
CREATE INDEX scene_data_by_received ON scene_data (received_ms);
