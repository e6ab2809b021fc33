import { z } from 'zod';

/**
 * Fault switches of one simulated camera, so the console's error paths can be exercised
 * against real misbehaviour rather than mocks:
 * - `dropConnection`: the MQTT socket is destroyed (no DISCONNECT) and reopened after the delay;
 * - `stopAnswering`: requests are ignored (callers time out);
 * - `slowAnswers`: each answer waits `delayMs` first;
 * - `malformed`: answers are broken CMF and SceneMarks fail validation;
 * - `vanish`: MQTT and every peer connection die at once, no bye (power cut);
 * - `restart`: everything closes and the camera bootstraps again with the same identity;
 * - `clear`: switches off the lasting faults and brings a vanished camera back.
 */
export const CameraFault = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('dropConnection'),
    reconnectAfterMs: z.number().int().min(0).max(600_000).default(2000),
  }),
  z.strictObject({ kind: z.literal('stopAnswering') }),
  z.strictObject({ kind: z.literal('slowAnswers'), delayMs: z.number().int().min(1).max(600_000) }),
  z.strictObject({ kind: z.literal('malformed') }),
  z.strictObject({ kind: z.literal('vanish') }),
  z.strictObject({ kind: z.literal('restart') }),
  z.strictObject({ kind: z.literal('clear') }),
]);
export type CameraFault = z.output<typeof CameraFault>;
export type CameraFaultInput = z.input<typeof CameraFault>;

/** The lasting switches (the one-shot faults act and are gone). */
export interface FaultState {
  stopAnswering: boolean;
  /** Extra delay before each answer, ms (0 = none). */
  slowAnswersMs: number;
  malformed: boolean;
}

export function noFaults(): FaultState {
  return { stopAnswering: false, slowAnswersMs: 0, malformed: false };
}

/**
 * Breaks a serialised CMF message the way a buggy firmware would: valid JSON whose header
 * violates v0.9 §4.1 (a status code as text, a missing DateTimeStamp), so the receiver's parse
 * error path runs rather than its JSON error path.
 */
export function malformCmf(text: string): string {
  try {
    const message = JSON.parse(text) as Record<string, unknown>;
    delete message.DateTimeStamp;
    if ('ReplyStatusCode' in message) message.ReplyStatusCode = String(message.ReplyStatusCode);
    else message.CommandID = -1;
    return JSON.stringify(message);
  } catch {
    return text.slice(0, Math.floor(text.length / 2));
  }
}

/**
 * Breaks a SceneMark so validation refuses it: no SceneMarkID (required) and a SceneMarkStatus
 * outside the enumeration, as a buggy firmware would send.
 */
export function malformSceneMark(sceneMark: Record<string, unknown>): Record<string, unknown> {
  const broken: Record<string, unknown> = { ...sceneMark, SceneMarkStatus: 'Exploded' };
  delete broken.SceneMarkID;
  return broken;
}
