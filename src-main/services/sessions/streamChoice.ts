import { z } from 'zod';
import type { StreamSize } from '../../../src-shared/contract/sessionsContract';
import { ContractFailure } from '../contract/contractFailure';

/** What the console would like to watch; every member optional. */
export interface StreamPreference {
  /** The stream a viewer wants; width, height and frameRate override its members. */
  size?: StreamSize;
  width?: number;
  height?: number;
  frameRate?: number;
}

/** The Video block of StartStreaming (profile "Control sessions and WebRTC"). */
export interface StreamVideo {
  Width: number;
  Height: number;
  FrameRate: number;
}

/** The size and rate the console asks for when the caller names none: a live-wall tile. */
export const DEFAULT_STREAM_PREFERENCE = { width: 640, height: 360, frameRate: 30 } as const;

/**
 * What each stream size asks for (issue 11 item 3): a grid tile is small on screen, so a small
 * stream at a low rate spares the camera, the network and the decoder; an enlarged or
 * fullscreen tile gets the sharpest picture at full rate.
 */
export const STREAM_SIZE_PREFERENCES: Record<StreamSize, Required<Omit<StreamPreference, 'size'>>> = {
  small: { width: 320, height: 180, frameRate: 15 },
  large: { width: 1280, height: 720, frameRate: 30 },
};

const positive = z.number().int().positive();
/** The parts of a GetCapabilities answer a stream is chosen from; other members are ignored. */
const Capabilities = z.looseObject({
  Outputs: z.array(
    z.looseObject({
      PortID: z.string(),
      Type: z.string(),
      Resolutions: z.array(z.looseObject({ Width: positive, Height: positive })).default([]),
      FrameRates: z.array(z.number().positive()).default([]),
    }),
  ),
});

/**
 * Picks StartStreaming's Video from what the node's GetCapabilities offers on `portId`
 * (profile "Device and node queries": Outputs with Resolutions and FrameRates), so a device is
 * never asked for a size it does not have. The resolution nearest the preference in pixel count
 * wins (ties: the smaller); an exact match of width and height always wins. The frame rate is
 * the highest offered at or below the preference, else the lowest offered; a device that lists
 * no rates gets the preference. A `size` stands for {@link STREAM_SIZE_PREFERENCES}' members.
 */
export function chooseStream(
  capabilities: unknown,
  portId: string,
  preference: StreamPreference,
): StreamVideo {
  const parsed = Capabilities.safeParse(capabilities);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ContractFailure(
      'UNAVAILABLE',
      `GetCapabilities: ${issue?.path.join('.') || 'Outputs'}: ${issue?.message ?? 'is not valid'}`,
    );
  }
  const output = parsed.data.Outputs.find(
    (candidate) => candidate.Type === 'Video' && candidate.PortID.toLowerCase() === portId.toLowerCase(),
  );
  if (!output || output.Resolutions.length === 0) {
    throw new ContractFailure(
      'INVALID_REQUEST',
      `portId: the device offers no video resolutions on port ${portId} (GetCapabilities)`,
    );
  }
  const base = preference.size ? STREAM_SIZE_PREFERENCES[preference.size] : DEFAULT_STREAM_PREFERENCE;
  const width = preference.width ?? base.width;
  const height = preference.height ?? base.height;
  const wanted = width * height;
  const distance = (size: { Width: number; Height: number }): number =>
    Math.abs(Math.log((size.Width * size.Height) / wanted));
  const exact = output.Resolutions.find((size) => size.Width === width && size.Height === height);
  const size =
    exact ??
    [...output.Resolutions].sort(
      (a, b) => distance(a) - distance(b) || a.Width * a.Height - b.Width * b.Height,
    )[0];
  const rate = preference.frameRate ?? base.frameRate;
  const rates = [...output.FrameRates].sort((a, b) => a - b);
  const frameRate = rates.length === 0 ? rate : (rates.filter((r) => r <= rate).at(-1) ?? rates[0] ?? rate);
  return { Width: size?.Width ?? width, Height: size?.Height ?? height, FrameRate: frameRate };
}
