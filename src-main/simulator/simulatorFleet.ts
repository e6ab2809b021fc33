import { silentLogger, type Logger } from '../core/util/logger';
import { WebApiClient } from '../services/webapi/webApiClient';
import { CameraIdentityStore } from './cameraIdentityStore';
import type { CameraFault } from './faults';
import { FrameClock } from './frameClock';
import { ResourceSampler } from './resourceSampler';
import type { WebApiStyle } from './sceneMarkDelivery';
import { SimulatedCamera, type CameraStats, type VideoSettings } from './simulatedCamera';

/** How WebAPI destinations get data: one style for all, or alternating per camera. */
export type FleetWebApiStyle = WebApiStyle | 'mixed';

export interface SimulatorFleetOptions {
  cameras: number;
  /** `https://host:port/1/{LA EndPointID}`. */
  bootstrapUrl: string;
  /** PEM the LA's (and data receivers') certificates chain to. */
  ca?: string;
  /** Broker used only when the LA names none. */
  fallbackBrokerUrl?: string;
  video: VideoSettings;
  /** Where the cameras' identities live (simulator-cameras.json). */
  stateDir: string;
  webApiStyle?: FleetWebApiStyle;
  logger?: Logger;
}

/**
 * The cameras of one simulator process and what they share: identities from the state
 * directory, one frame clock (so all streaming cameras are driven by one drift-corrected timer),
 * one HTTPS client with the site's CA, one CPU/memory sampler.
 */
export class SimulatorFleet {
  private constructor(
    readonly cameras: readonly SimulatedCamera[],
    readonly clock: FrameClock,
    private readonly webApi: WebApiClient,
  ) {}

  /** Loads or creates the identities and starts every camera bootstrapping (in the background). */
  static async start(options: SimulatorFleetOptions): Promise<SimulatorFleet> {
    const url = new URL(options.bootstrapUrl);
    if (url.protocol !== 'https:')
      throw new Error('the bootstrap URL must be https://host:port/1/{LA EndPointID}');
    const logger = options.logger ?? silentLogger;
    const store = await CameraIdentityStore.open(options.stateDir, options.cameras);
    const clock = new FrameClock({
      onError: (error) => logger.log('error', 'simulator', `a frame failed: ${describe(error)}`),
    });
    const webApi = new WebApiClient({ ...(options.ca ? { ca: options.ca } : {}), timeoutMs: 5000 });
    const resources = new ResourceSampler();
    const cameras = store.identities.map(
      (identity) =>
        new SimulatedCamera({
          identity,
          nextCommandId: store.commandIds(identity.index),
          bootstrapUrl: options.bootstrapUrl,
          ...(options.ca ? { ca: options.ca } : {}),
          ...(options.fallbackBrokerUrl ? { fallbackBrokerUrl: options.fallbackBrokerUrl } : {}),
          video: options.video,
          clock,
          webApi,
          webApiStyle: styleOf(options.webApiStyle, identity.index),
          resources,
          logger,
        }),
    );
    for (const camera of cameras) camera.start();
    return new SimulatorFleet(cameras, clock, webApi);
  }

  stats(): CameraStats[] {
    return this.cameras.map((camera) => camera.stats());
  }

  /** Flips a fault switch of camera `index`; throws RangeError for an unknown index. */
  async fault(index: number, fault: CameraFault): Promise<void> {
    const camera = this.cameras[index];
    if (!camera) throw new RangeError(`there is no camera ${index} (0 to ${this.cameras.length - 1})`);
    await camera.applyFault(fault);
  }

  /** Every camera says bye to its sessions and disconnects. */
  async close(): Promise<void> {
    await Promise.allSettled(this.cameras.map((camera) => camera.close()));
    this.webApi.close();
  }
}

function styleOf(style: FleetWebApiStyle | undefined, index: number): WebApiStyle {
  if (style === 'mixed') return index % 2 === 0 ? 'cmf' : 'setSceneMark';
  return style ?? 'cmf';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
