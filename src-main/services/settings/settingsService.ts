import {
  defaultSettings,
  Settings,
  type UpdateSettingsRequest,
} from '../../../src-shared/contract/settingsContract';
import type { Logger } from '../../core/util/logger';
import { toDisposable, type Disposable } from '../../core/util/disposable';
import type { SettingsRepository } from '../store/settingsRepository';

type SettingKey = keyof Settings;
const settingKeys = Object.keys(Settings.shape) as SettingKey[];

/**
 * The operator's preferences, persisted in SQLite. A stored value that no longer validates
 * (written by a newer or older build) is left in the database untouched and the default is
 * used in its place, with a warning: nothing stored is ever lost or rewritten behind the
 * operator's back.
 */
export class SettingsService {
  private readonly listeners = new Set<(settings: Settings) => void>();
  private current: Settings;

  constructor(
    private readonly repository: SettingsRepository,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.current = this.load();
  }

  /** The settings in force. */
  get(): Settings {
    return { ...this.current };
  }

  /** Persists a validated patch and tells every listener. */
  update(patch: UpdateSettingsRequest): Settings {
    const entries = settingKeys
      .filter((key) => patch[key] !== undefined)
      .map((key) => [key, patch[key]] as const);
    // Validate before writing, so a bad patch from inside main never reaches the database.
    const next = Settings.parse({ ...this.current, ...patch });
    this.repository.writeMany(entries, this.now());
    this.current = next;
    this.logger.log(
      'info',
      'settings',
      `changed ${entries.map(([key, value]) => `${key}=${String(value)}`).join(', ')}`,
    );
    for (const listener of this.listeners) listener(this.get());
    return this.get();
  }

  /** Calls `listener` after every change. */
  onDidChange(listener: (settings: Settings) => void): Disposable {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  }

  private load(): Settings {
    const result: Settings = { ...defaultSettings };
    for (const row of this.repository.readAll()) {
      if (!settingKeys.includes(row.key as SettingKey)) continue;
      const key = row.key as SettingKey;
      let value: unknown;
      try {
        value = JSON.parse(row.value);
      } catch {
        value = undefined;
      }
      const parsed = Settings.shape[key].safeParse(value);
      if (parsed.success) Object.assign(result, { [key]: parsed.data });
      else
        this.logger.log(
          'warn',
          'settings',
          `stored value of ${key} is not valid; using the default and keeping the stored row`,
        );
    }
    return result;
  }
}
