import type { BrowserWindow, Rectangle } from 'electron';
import { screen } from 'electron';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const WindowState = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(640),
  height: z.number().int().min(400),
  maximized: z.boolean(),
});
type WindowState = z.infer<typeof WindowState>;

const fallback = { width: 1440, height: 900 };

function isVisible(bounds: Rectangle): boolean {
  return screen.getAllDisplays().some(({ workArea }) => {
    const overlapX =
      Math.min(bounds.x + bounds.width, workArea.x + workArea.width) - Math.max(bounds.x, workArea.x);
    const overlapY =
      Math.min(bounds.y + bounds.height, workArea.y + workArea.height) - Math.max(bounds.y, workArea.y);
    return overlapX >= 100 && overlapY >= 100;
  });
}

/**
 * Remembers where the operator left the main window. A missing, unreadable or off-screen
 * record (a monitor was unplugged) falls back to a centred default.
 */
export class WindowStateKeeper {
  private readonly file: string;

  constructor(userDataDir: string) {
    this.file = join(userDataDir, 'window-state.json');
  }

  /** Bounds to create the window with, and whether to maximise it. */
  restore(): { bounds: Partial<Rectangle> & { width: number; height: number }; maximized: boolean } {
    try {
      const state = WindowState.parse(JSON.parse(readFileSync(this.file, 'utf8')));
      if (isVisible(state)) return { bounds: state, maximized: state.maximized };
    } catch {
      // First run or an unreadable record: the default is right either way.
    }
    return { bounds: fallback, maximized: false };
  }

  /** Saves the window's normal bounds whenever it is about to close. */
  track(window: BrowserWindow): void {
    window.on('close', () => {
      const state: WindowState = { ...window.getNormalBounds(), maximized: window.isMaximized() };
      try {
        writeFileSync(this.file, JSON.stringify(state));
      } catch {
        // Losing the window position is not worth failing the quit.
      }
    });
  }
}
