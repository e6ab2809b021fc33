import { z } from 'zod';

/** Which host runs main's services: the Electron app or the web shell in plain Node. */
export const ShellKind = z.enum(['electron', 'web']);
export type ShellKind = z.infer<typeof ShellKind>;

/** Request of `app:getInfo`. */
export const GetInfoRequest = z.strictObject({});
export type GetInfoRequest = z.infer<typeof GetInfoRequest>;

/** What the console tells about itself: shown in Settings and the status bar. */
export const AppInfo = z.strictObject({
  name: z.string(),
  version: z.string(),
  shell: ShellKind,
  dataDir: z.string(),
  databaseFile: z.string(),
  schemaVersion: z.number().int().nonnegative(),
  runtime: z.string(),
  platform: z.string(),
  startedAt: z.string(),
});
export type AppInfo = z.infer<typeof AppInfo>;
