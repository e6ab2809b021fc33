import type { FakeBridge } from '../../fakeBridge';
import type { DirectoryDevice } from '../../../../src-shared/contract/devicesContract';
import type { LocalSiteStatus, SiteDevice } from '../../../../src-shared/contract/localSiteContract';
import { ok, type Result } from '../../../../src-shared/contract/result';

/** The local site as main reports it before anything was chosen. */
export function stoppedSite(overrides: Partial<LocalSiteStatus> = {}): LocalSiteStatus {
  return {
    state: 'stopped',
    error: null,
    firstRun: false,
    broker: null,
    accountService: null,
    simulator: null,
    profileId: null,
    ...overrides,
  };
}

/** A running local site with `cameras` simulated cameras. */
export function runningSite(cameras = 4, overrides: Partial<LocalSiteStatus> = {}): LocalSiteStatus {
  return {
    state: 'running',
    error: null,
    firstRun: false,
    broker: {
      tcpUrl: 'mqtt://127.0.0.1:41883',
      webSocketUrl: 'ws://127.0.0.1:41884/mqtt',
      tlsUrl: 'mqtts://127.0.0.1:48883',
      username: 'nice-console',
    },
    accountService: {
      endPointId: '9e0c5a9a-1b2c-4d3e-8f40-5a6b7c8d9e0f',
      bootstrapUrl: 'https://127.0.0.1:48443/1/9e0c5a9a-1b2c-4d3e-8f40-5a6b7c8d9e0f',
      pendingDevices: 1,
      boundDevices: cameras,
      autoBind: true,
    },
    simulator: { running: true, cameras, exitReason: null },
    profileId: 'local-site',
    ...overrides,
  };
}

/** A device the account service knows. */
export function siteDevice(deviceId: string, overrides: Partial<SiteDevice> = {}): SiteDevice {
  return {
    deviceId,
    name: null,
    binding: 'bound',
    lastSeenMs: Date.now() - 2000,
    online: true,
    nodes: ['0001'],
    ...overrides,
  };
}

/** The device directory's entry of a site device that no operator renamed. */
export function directoryDevice(device: SiteDevice): DirectoryDevice {
  return { ...device, deviceId: device.deviceId.toLowerCase(), operatorName: null, siteName: device.name };
}

/** The local-site actions the code asked main for, without the status and device reads. */
export function siteActions(bridge: FakeBridge): Array<{ channel: string; request: unknown }> {
  return bridge.calls.filter(
    (call) =>
      call.channel !== 'localSite:getStatus' &&
      call.channel !== 'localSite:listDevices' &&
      call.channel !== 'devices:listDevices',
  );
}

/**
 * Main's side of the local-site channels, as the renderer tests need it: start, stop and
 * declineFirstRun change `status` as main does, and the reads answer whatever the test last put
 * in `status` and `devices`.
 */
export class FakeLocalSiteMain {
  constructor(
    public status: LocalSiteStatus,
    public devices: SiteDevice[] = [],
  ) {}

  /** Answers every local-site channel on `bridge`. */
  answer(bridge: FakeBridge): FakeBridge {
    return this.answerActions(this.answerReads(bridge));
  }

  /** Answers localSite:getStatus, localSite:listDevices and, as main's directory would, devices:listDevices. */
  answerReads(bridge: FakeBridge): FakeBridge {
    return bridge
      .respond('localSite:getStatus', () => ({ ok: true, value: this.status }))
      .respond('localSite:listDevices', () => ({ ok: true, value: { devices: this.devices } }))
      .respond('devices:listDevices', () => ({
        ok: true,
        value: { devices: this.devices.map(directoryDevice) },
      }));
  }

  /** Answers localSite:start, localSite:stop and localSite:declineFirstRun. */
  answerActions(bridge: FakeBridge): FakeBridge {
    return bridge
      .respond('localSite:start', (request) =>
        this.become(runningSite((request as { cameras: number }).cameras)),
      )
      .respond('localSite:stop', () => this.become(stoppedSite()))
      .respond('localSite:declineFirstRun', () => this.become({ ...this.status, firstRun: false }));
  }

  private become(status: LocalSiteStatus): Result<LocalSiteStatus> {
    this.status = status;
    return ok(status);
  }
}
