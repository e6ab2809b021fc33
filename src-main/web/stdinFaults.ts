import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { z } from 'zod';

/** One line on stdin: `{"camera": 0, "fault": {"kind": "vanish"}}`. */
const FaultLine = z.strictObject({
  camera: z.number().int().min(0).max(31),
  fault: z.looseObject({ kind: z.string() }),
});

/**
 * `--faults-on-stdin`: end-to-end tests switch the simulated cameras' faults (vanish, restart,
 * dropConnection, stopAnswering, clear) by writing JSON lines to the web shell's stdin. Only the
 * process that started the shell holds that pipe, so this opens no door on any socket; the
 * fault itself is validated by the simulator. A bad line is reported on stderr, naming the field.
 */
export function applyFaultsFromStdin(
  input: Readable,
  apply: (cameraIndex: number, fault: unknown) => void,
  report: (message: string) => void,
): () => void {
  const lines = createInterface({ input });
  lines.on('line', (text) => {
    if (!text.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      report(`fault line: not valid JSON: ${text.slice(0, 80)}`);
      return;
    }
    const parsed = FaultLine.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      report(`fault line: ${issue?.path.join('.') || 'line'}: ${issue?.message ?? 'is not valid'}`);
      return;
    }
    try {
      apply(parsed.data.camera, parsed.data.fault);
    } catch (error) {
      report(`fault line: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  return () => lines.close();
}
