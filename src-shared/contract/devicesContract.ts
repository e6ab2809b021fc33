import { z } from 'zod';
import { EndPointId } from './niceIds';

/** A display name the operator gives a device. */
export const DeviceDisplayName = z
  .string()
  .trim()
  .min(1, { error: 'must not be empty (send null to go back to the name the site reports)' })
  .max(64, { error: 'must be at most 64 characters' })
  .refine((name) => !/\p{Cc}/u.test(name), { error: 'must not hold control characters' });

/**
 * One device as the console knows it: from the sites it runs (binding, broker presence, the
 * name the device gave at bootstrap), from what it delivered, and from the operator.
 */
export const DirectoryDevice = z.strictObject({
  deviceId: z.string(),
  /** What every view shows: the operator's name, else the site's; null when neither is known. */
  name: z.string().nullable(),
  /** The operator's own name for it (wins over the site's). */
  operatorName: z.string().nullable(),
  /** The name the device's site records (its bootstrap `DeviceName`). */
  siteName: z.string().nullable(),
  /** Its binding on the local site; null when it is not a device of a site this console runs. */
  binding: z.enum(['pending', 'bound', 'released']).nullable(),
  /** Connected to the site's broker now; null when the console cannot tell (not on its site). */
  online: z.boolean().nullable(),
  /** Last time the console or its site heard from it (ms since the epoch); null if never. */
  lastSeenMs: z.number().nullable(),
  nodes: z.array(z.string()),
});
export type DirectoryDevice = z.infer<typeof DirectoryDevice>;

/** Request of `devices:listDevices`: nothing. */
export const ListDevicesRequest = z.strictObject({});
/** Reply of `devices:listDevices`: every known device, by display name then DeviceID. */
export const ListDevicesResponse = z.strictObject({ devices: z.array(DirectoryDevice) });
export type ListDevicesResponse = z.infer<typeof ListDevicesResponse>;

/** Request of `devices:renameDevice`: the operator's name, or null to drop it. */
export const RenameDeviceRequest = z.strictObject({
  deviceId: EndPointId,
  name: DeviceDisplayName.nullable(),
});
export type RenameDeviceRequest = z.infer<typeof RenameDeviceRequest>;
