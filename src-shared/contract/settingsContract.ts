import { z } from 'zod';
import { LogLevel } from './diagnosticsContract';

/** Colour scheme of the renderer; dark by default for control rooms; `system` follows the OS. */
export const ThemeName = z.enum(['dark', 'light', 'system']);
export type ThemeName = z.infer<typeof ThemeName>;

/** How timestamps are shown across the console. */
export const TimeDisplay = z.enum(['local', 'utc']);
export type TimeDisplay = z.infer<typeof TimeDisplay>;

/** Grids of the Live wall: one camera, 2x2, 3x3 or 4x4 tiles per page. */
export const LiveWallLayout = z.enum(['1x1', '2x2', '3x3', '4x4']);
export type LiveWallLayout = z.infer<typeof LiveWallLayout>;

/** The operator's persisted preferences. */
export const Settings = z.strictObject({
  theme: ThemeName,
  timeDisplay: TimeDisplay,
  /** Entries below this level are neither kept in the diagnostic log nor streamed. */
  diagnosticsLevel: LogLevel,
  /** The Live wall's grid, restored after a reload or restart. */
  liveWallLayout: LiveWallLayout,
});
export type Settings = z.infer<typeof Settings>;

/** What a fresh installation starts with. */
export const defaultSettings: Settings = {
  theme: 'dark',
  timeDisplay: 'local',
  diagnosticsLevel: 'info',
  liveWallLayout: '2x2',
};

/** Request of `settings:getSettings`. */
export const GetSettingsRequest = z.strictObject({});
export type GetSettingsRequest = z.infer<typeof GetSettingsRequest>;

/** Request of `settings:updateSettings`: any subset of the settings, nothing else. */
export const UpdateSettingsRequest = Settings.partial().refine((patch) => Object.keys(patch).length > 0, {
  message: 'at least one setting must be given',
});
export type UpdateSettingsRequest = z.infer<typeof UpdateSettingsRequest>;
