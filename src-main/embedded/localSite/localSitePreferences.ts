import type Database from 'better-sqlite3';

/** What the console remembers about the local site between runs (migration 0006). */
export interface LocalSitePreferences {
  firstRunDone: boolean;
  autostart: boolean;
  cameras: number;
  /** The connection profile made for the embedded broker, reused on every start. */
  profileId: string | null;
}

interface Row {
  first_run_done: number;
  autostart: number;
  cameras: number;
  profile_id: string | null;
}

/** Reads and writes the single `local_site` row. */
export class LocalSitePreferencesRepository {
  constructor(private readonly db: Database.Database) {}

  get(): LocalSitePreferences {
    const row = this.db
      .prepare('SELECT first_run_done, autostart, cameras, profile_id FROM local_site WHERE id = 1')
      .get() as Row;
    return {
      firstRunDone: row.first_run_done === 1,
      autostart: row.autostart === 1,
      cameras: row.cameras,
      profileId: row.profile_id,
    };
  }

  update(patch: Partial<LocalSitePreferences>): LocalSitePreferences {
    const next = { ...this.get(), ...patch };
    this.db
      .prepare(
        'UPDATE local_site SET first_run_done = ?, autostart = ?, cameras = ?, profile_id = ? WHERE id = 1',
      )
      .run(next.firstRunDone ? 1 : 0, next.autostart ? 1 : 0, next.cameras, next.profileId);
    return next;
  }
}
