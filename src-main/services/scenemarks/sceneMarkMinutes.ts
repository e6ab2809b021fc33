import type Database from 'better-sqlite3';

const minuteMs = 60_000;

/** The UTC minute of `timeMs`, floored (also before 1970), as migration 0007 defines it. */
export function minuteOf(timeMs: number): number {
  return timeMs - (((timeMs % minuteMs) + minuteMs) % minuteMs);
}

/**
 * Keeps `scenemark_minutes` (migration 0007) exact for inserted SceneMarks. Since migration 0008
 * no trigger counts inserts: whoever inserts rows into `scenemarks` adds their times here, in
 * the same transaction, one upsert per distinct minute. Deletes and time changes are still
 * counted by triggers.
 */
export class SceneMarkMinutes {
  private readonly upsert: Database.Statement<[number, number]>;
  private readonly clear: Database.Statement;
  private readonly fill: Database.Statement;

  constructor(db: Database.Database) {
    this.upsert = db.prepare(
      `INSERT INTO scenemark_minutes (minute_ms, count) VALUES (?, ?)
       ON CONFLICT (minute_ms) DO UPDATE SET count = count + excluded.count`,
    );
    this.clear = db.prepare('DELETE FROM scenemark_minutes');
    this.fill = db.prepare(
      `INSERT INTO scenemark_minutes (minute_ms, count)
       SELECT time_ms - (time_ms % 60000 + 60000) % 60000, count(*) FROM scenemarks GROUP BY 1`,
    );
  }

  /** Counts newly inserted SceneMarks with these times. */
  add(times: Iterable<number>): void {
    const counts = new Map<number, number>();
    for (const time of times) {
      const minute = minuteOf(time);
      counts.set(minute, (counts.get(minute) ?? 0) + 1);
    }
    for (const [minute, count] of counts) this.upsert.run(minute, count);
  }

  /** Recounts the whole table (after a bulk load by SQL: benchmarks, fixtures). */
  recount(): void {
    this.clear.run();
    this.fill.run();
  }
}
