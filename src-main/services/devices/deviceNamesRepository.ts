import type Database from 'better-sqlite3';

/** One device's names as kept (migration 0010); the DeviceID is lowercase. */
export interface DeviceNamesRow {
  deviceId: string;
  siteName: string | null;
  operatorName: string | null;
}

/** A device the console has SceneMarks of, with when it last reported and the nodes seen. */
export interface DeliveringDevice {
  deviceId: string;
  lastSeenMs: number;
  nodes: string[];
}

/** The device_names table, and the devices and nodes that SceneMark ingest records. */
export class DeviceNamesRepository {
  private readonly selectNames: Database.Statement<
    [],
    { device_id: string; site_name: string | null; operator_name: string | null }
  >;
  private readonly selectDelivering: Database.Statement<
    [],
    { device_id: string; last_seen_ms: number; nodes: string | null }
  >;
  private readonly upsertSiteName: Database.Statement<[string, string, number]>;
  private readonly upsertOperatorName: Database.Statement<[string, string | null, number]>;

  constructor(private readonly db: Database.Database) {
    this.selectNames = db.prepare('SELECT device_id, site_name, operator_name FROM device_names');
    this.selectDelivering = db.prepare(
      `SELECT d.device_id, d.last_seen_ms,
         (SELECT group_concat(n.node_id, ' ') FROM nodes n WHERE n.device_id = d.device_id) AS nodes
       FROM devices d`,
    );
    this.upsertSiteName = db.prepare(
      `INSERT INTO device_names (device_id, site_name, updated_ms) VALUES (?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET site_name = excluded.site_name, updated_ms = excluded.updated_ms
       WHERE site_name IS NOT excluded.site_name`,
    );
    this.upsertOperatorName = db.prepare(
      `INSERT INTO device_names (device_id, operator_name, updated_ms) VALUES (?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET operator_name = excluded.operator_name, updated_ms = excluded.updated_ms`,
    );
  }

  names(): DeviceNamesRow[] {
    return this.selectNames.all().map((row) => ({
      deviceId: row.device_id,
      siteName: row.site_name,
      operatorName: row.operator_name,
    }));
  }

  delivering(): DeliveringDevice[] {
    return this.selectDelivering.all().map((row) => ({
      deviceId: row.device_id,
      lastSeenMs: row.last_seen_ms,
      nodes: row.nodes ? row.nodes.split(' ').sort() : [],
    }));
  }

  /** Records the names a site gives; returns whether any changed. A site's null keeps the old name. */
  recordSiteNames(entries: readonly { deviceId: string; name: string }[], nowMs: number): boolean {
    let changed = 0;
    this.db.transaction(() => {
      for (const { deviceId, name } of entries)
        changed += this.upsertSiteName.run(deviceId.toLowerCase(), name, nowMs).changes;
    })();
    return changed > 0;
  }

  setOperatorName(deviceId: string, name: string | null, nowMs: number): void {
    this.upsertOperatorName.run(deviceId.toLowerCase(), name, nowMs);
  }
}
