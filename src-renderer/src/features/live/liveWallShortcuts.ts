import type { GridMove } from './liveWallLayout';

/** What a key on the Live wall does. */
export type LiveWallCommand =
  | { kind: 'select'; index: number }
  | { kind: 'move'; move: GridMove }
  | { kind: 'fullscreen' }
  | { kind: 'enlarge' }
  | { kind: 'back' }
  | { kind: 'cycleLayout' }
  | { kind: 'page'; delta: 1 | -1 }
  | { kind: 'help' };

/** The wall's shortcuts, as the help overlay lists them (one table for both, so they agree). */
export const liveWallShortcuts: ReadonlyArray<{ keys: string; action: string }> = [
  { keys: '1 … 9', action: 'Select that tile of the page' },
  { keys: '← → ↑ ↓', action: 'Move the selection' },
  { keys: 'Enter', action: 'Enlarge the selected tile, or back to the grid' },
  { keys: 'F', action: 'Show the selected tile fullscreen' },
  { keys: 'Esc', action: 'Back: close this help, leave the enlarged tile or fullscreen' },
  { keys: 'L', action: 'Next layout (1, 2x2, 3x3, 4x4)' },
  { keys: 'Page Down / Page Up', action: 'Next or previous page of cameras' },
  { keys: '?', action: 'Show or hide this help' },
];

const arrows: Record<string, GridMove> = {
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ArrowUp: 'up',
  ArrowDown: 'down',
};

/**
 * The command of a key press, or null when the wall should leave it alone: keys with Ctrl, Alt
 * or Meta belong to the browser, and keys typed into a field belong to the field.
 */
export function liveWallCommandOf(
  event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'altKey' | 'metaKey' | 'target'>,
): LiveWallCommand | null {
  if (event.ctrlKey || event.altKey || event.metaKey) return null;
  const target = event.target as { closest?: (selector: string) => unknown } | null;
  if (target?.closest?.('input, textarea, select, [contenteditable=""], [contenteditable="true"]'))
    return null;
  const key = event.key;
  if (/^[1-9]$/.test(key)) return { kind: 'select', index: Number(key) - 1 };
  const move = arrows[key];
  if (move) return { kind: 'move', move };
  switch (key) {
    case 'f':
    case 'F':
      return { kind: 'fullscreen' };
    case 'Enter':
      return { kind: 'enlarge' };
    case 'Escape':
      return { kind: 'back' };
    case 'l':
    case 'L':
      return { kind: 'cycleLayout' };
    case 'PageDown':
      return { kind: 'page', delta: 1 };
    case 'PageUp':
      return { kind: 'page', delta: -1 };
    case '?':
      return { kind: 'help' };
    default:
      return null;
  }
}
