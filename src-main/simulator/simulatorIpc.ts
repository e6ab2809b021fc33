import { z } from 'zod';
import { CameraFault } from './faults';

/*
 * The messages between main (SimulatorHost) and the simulator process it forks, validated on
 * the simulator's side. Main → simulator: start, fault, stop. Simulator → main: ready once the
 * cameras have their identities (binding follows in the background), error, and stats every
 * second.
 */

const even = (name: string, min: number, max: number) =>
  z
    .number()
    .int()
    .min(min)
    .max(max)
    .refine((value) => value % 2 === 0, `${name} must be even (I420)`);

/** Frame size and rate of every camera. */
export const VideoOptions = z.strictObject({
  width: even('width', 64, 1920),
  height: even('height', 64, 1080),
  fps: z.number().int().min(1).max(60),
  /** Stream sizes the cameras offer in GetCapabilities (and the only ones StartStreaming takes). */
  resolutions: z
    .array(z.strictObject({ Width: even('Width', 64, 1920), Height: even('Height', 64, 1080) }))
    .min(1)
    .max(16)
    .optional(),
});

export const StartMessage = z.object({
  type: z.literal('start'),
  cameras: z.number().int().min(0).max(64),
  /** `https://host:port/1/{LA EndPointID}`. */
  bootstrapUrl: z.url({ protocol: /^https$/ }),
  /** PEM of the certificate(s) the LA and data receivers present. */
  ca: z.string(),
  video: VideoOptions,
  stateDir: z.string().min(1),
  /** Broker used only when the LA names none. */
  fallbackBrokerUrl: z.string().optional(),
  webApiStyle: z.enum(['cmf', 'setSceneMark', 'mixed']).optional(),
});
export type StartMessage = z.output<typeof StartMessage>;

export const FaultMessage = z.object({
  type: z.literal('fault'),
  cameraIndex: z.number().int().min(0),
  fault: CameraFault,
});

export const StopMessage = z.object({ type: z.literal('stop') });

/** Any message main sends to the simulator process. */
export const SimulatorRequest = z.discriminatedUnion('type', [StartMessage, FaultMessage, StopMessage]);
export type SimulatorRequest = z.output<typeof SimulatorRequest>;

/** What the simulator process sends to main. */
export type SimulatorReply =
  | { type: 'ready'; cameras: { index: number; deviceId: string; name: string }[] }
  | { type: 'error'; message: string }
  | {
      type: 'stats';
      cameras: { deviceId: string; fps: number; streaming: boolean; sessions: number }[];
    };
