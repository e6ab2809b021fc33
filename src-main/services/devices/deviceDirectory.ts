import type { DirectoryDevice } from '../../../src-shared/contract/devicesContract';
import type { SiteDevice } from '../../../src-shared/contract/localSiteContract';
import { ContractFailure } from '../contract/contractFailure';
import type { DeviceNamesRepository } from './deviceNamesRepository';

export interface DeviceDirectoryOptions {
  repository: DeviceNamesRepository;
  /** Devices of the site this console runs (the local site); empty when it runs none. */
  siteDevices: () => readonly SiteDevice[];
  /** Pushes each device whose entry changed (event `devices:changed`). */
  publish: (device: DirectoryDevice) => void;
  now?: () => number;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * The one place in main that knows what to call each device: the operator's name, else the
 * name its site records. It lists every device known from the local site and from SceneMarks
 * delivered, with binding, broker presence and last seen where the console can tell.
 */
export class DeviceDirectory {
  private readonly now: () => number;
  /** What was last published per device, to push only changes. */
  private published = new Map<string, string>();
  /** Site names already written, so listing does not rewrite them each time. */
  private readonly recordedSiteNames = new Map<string, string>();

  constructor(private readonly options: DeviceDirectoryOptions) {
    this.now = options.now ?? Date.now;
  }

  list(): DirectoryDevice[] {
    const site = this.options.siteDevices();
    this.recordSiteNames(site);
    const byId = new Map<string, DirectoryDevice>();
    const entry = (deviceId: string): DirectoryDevice => {
      const key = deviceId.toLowerCase();
      let device = byId.get(key);
      if (!device) {
        device = {
          deviceId: key,
          name: null,
          operatorName: null,
          siteName: null,
          binding: null,
          online: null,
          lastSeenMs: null,
          nodes: [],
        };
        byId.set(key, device);
      }
      return device;
    };
    for (const delivering of this.options.repository.delivering()) {
      const device = entry(delivering.deviceId);
      device.lastSeenMs = Math.max(device.lastSeenMs ?? 0, delivering.lastSeenMs);
      device.nodes = [...new Set([...device.nodes, ...delivering.nodes])].sort();
    }
    for (const siteDevice of site) {
      const device = entry(siteDevice.deviceId);
      device.binding = siteDevice.binding;
      device.online = siteDevice.online;
      if (siteDevice.lastSeenMs !== null)
        device.lastSeenMs = Math.max(device.lastSeenMs ?? 0, siteDevice.lastSeenMs);
      device.nodes = [...new Set([...device.nodes, ...siteDevice.nodes])].sort();
    }
    for (const names of this.options.repository.names()) {
      // A name alone (a device renamed, then forgotten by its site) is not a device to list.
      const device = byId.get(names.deviceId);
      if (!device) continue;
      device.siteName = names.siteName;
      device.operatorName = names.operatorName;
    }
    const devices = [...byId.values()];
    for (const device of devices) device.name = device.operatorName ?? device.siteName;
    return devices.sort(
      (a, b) =>
        (a.name === null ? 1 : 0) - (b.name === null ? 1 : 0) ||
        collator.compare(a.name ?? '', b.name ?? '') ||
        a.deviceId.localeCompare(b.deviceId),
    );
  }

  /** Sets (or with null drops) the operator's name of a device the console knows. */
  rename(deviceId: string, name: string | null): DirectoryDevice {
    const key = deviceId.toLowerCase();
    if (!this.list().some((device) => device.deviceId === key))
      throw new ContractFailure('NOT_FOUND', `deviceId: no device ${deviceId} is known to this console`);
    this.options.repository.setOperatorName(key, name, this.now());
    const renamed = this.publishChanges().find((device) => device.deviceId === key);
    if (!renamed) throw new ContractFailure('NOT_FOUND', `deviceId: device ${deviceId} is gone`);
    return renamed;
  }

  /** The name every view shows for a device, or null when none is known (desktop notifications). */
  nameOf(deviceId: string): string | null {
    return this.list().find((device) => device.deviceId === deviceId.toLowerCase())?.name ?? null;
  }

  /** Call when the site's devices may have changed: publishes each entry that did; returns the list. */
  publishChanges(): DirectoryDevice[] {
    const devices = this.list();
    const next = new Map<string, string>();
    for (const device of devices) {
      const text = JSON.stringify(device);
      next.set(device.deviceId, text);
      if (this.published.get(device.deviceId) !== text) this.options.publish(device);
    }
    this.published = next;
    return devices;
  }

  /** Call for each delivered SceneMark's device: a device seen for the first time is pushed. */
  noteDelivering(deviceId: string | null): void {
    if (deviceId !== null && !this.published.has(deviceId.toLowerCase())) this.publishChanges();
  }

  private recordSiteNames(site: readonly SiteDevice[]): void {
    const named = site.flatMap((device) =>
      device.name === null || this.recordedSiteNames.get(device.deviceId) === device.name
        ? []
        : [{ deviceId: device.deviceId, name: device.name }],
    );
    if (named.length === 0) return;
    this.options.repository.recordSiteNames(named, this.now());
    for (const { deviceId, name } of named) this.recordedSiteNames.set(deviceId, name);
  }
}
