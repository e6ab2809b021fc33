-- The local site (issue #4): whether the operator has answered the first-run offer, and
-- whether and with how many simulated cameras the embedded site starts with the console.
CREATE TABLE local_site (
  id              INTEGER PRIMARY KEY CHECK (id = 1),
  first_run_done  INTEGER NOT NULL DEFAULT 0 CHECK (first_run_done IN (0, 1)),
  autostart       INTEGER NOT NULL DEFAULT 0 CHECK (autostart IN (0, 1)),
  cameras         INTEGER NOT NULL DEFAULT 4 CHECK (cameras BETWEEN 0 AND 32),
  profile_id      TEXT
) STRICT;
INSERT INTO local_site (id) VALUES (1);
