import type Database from 'better-sqlite3';

/** One stored setting: its key and JSON text, exactly as written. */
export interface StoredSetting {
  key: string;
  value: string;
}

/** Reads and writes the `settings` table; the only place its SQL lives. */
export class SettingsRepository {
  private readonly selectAll: Database.Statement<[], StoredSetting>;
  private readonly upsert: Database.Statement<[string, string, string]>;

  constructor(private readonly db: Database.Database) {
    this.selectAll = db.prepare('SELECT key, value FROM settings ORDER BY key');
    this.upsert = db.prepare(
      `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
  }

  /** Every stored row, including keys this build does not know. */
  readAll(): StoredSetting[] {
    return this.selectAll.all();
  }

  /** Writes several keys in one transaction: all or none. */
  writeMany(entries: ReadonlyArray<readonly [string, unknown]>, at: Date): void {
    const stamp = at.toISOString();
    this.db.transaction(() => {
      for (const [key, value] of entries) this.upsert.run(key, JSON.stringify(value), stamp);
    })();
  }
}
