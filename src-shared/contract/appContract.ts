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

/** Request of `app:listLicences`. */
export const ListLicencesRequest = z.strictObject({});

/** One package the console ships, with the licence its package.json declares. */
export const DependencyLicence = z.strictObject({
  name: z.string(),
  version: z.string(),
  /** SPDX expression from its package.json; null when it declares none. */
  licence: z.string().nullable(),
  homepage: z.string().nullable(),
});
export type DependencyLicence = z.infer<typeof DependencyLicence>;

/** Reply of `app:listLicences`: the packages found, and any the installation lacks. */
export const ListLicencesResponse = z.strictObject({
  licences: z.array(DependencyLicence),
  missing: z.array(z.string()),
});
export type ListLicencesResponse = z.infer<typeof ListLicencesResponse>;
