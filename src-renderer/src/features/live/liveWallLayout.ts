import { LiveWallLayout } from '../../../../src-shared/contract/settingsContract';

/** The wall's grids in the order `L` cycles through them. */
export const liveWallLayouts: readonly LiveWallLayout[] = LiveWallLayout.options;

/** Columns (and rows) of a layout: `3x3` has 3. */
export function columnsOf(layout: LiveWallLayout): number {
  return Number(layout.slice(0, layout.indexOf('x')));
}

/** Tiles one page of the layout holds. */
export function tilesPerPage(layout: LiveWallLayout): number {
  return columnsOf(layout) ** 2;
}

/** The layout after `layout`, back to the first after the last. */
export function nextLayout(layout: LiveWallLayout): LiveWallLayout {
  const index = liveWallLayouts.indexOf(layout);
  return liveWallLayouts[(index + 1) % liveWallLayouts.length] ?? layout;
}

/** Pages needed for `count` cameras; an empty wall still has its one page. */
export function pageCount(count: number, layout: LiveWallLayout): number {
  return Math.max(1, Math.ceil(count / tilesPerPage(layout)));
}

/** The cameras on page `page` (0-based) of the layout. */
export function pageItems<T>(items: readonly T[], layout: LiveWallLayout, page: number): T[] {
  const size = tilesPerPage(layout);
  return items.slice(page * size, (page + 1) * size);
}

/** A move of the selection on the grid. */
export type GridMove = 'left' | 'right' | 'up' | 'down';

/**
 * The tile an arrow key selects from `index` on a page of `count` tiles in `columns` columns:
 * left and right wrap along the reading order, up and down stay in the column and stop at the
 * edge, and a move past the last tile stops on it.
 */
export function moveSelection(index: number, move: GridMove, columns: number, count: number): number {
  if (count <= 0) return 0;
  const last = count - 1;
  const from = Math.min(Math.max(index, 0), last);
  switch (move) {
    case 'left':
      return from === 0 ? last : from - 1;
    case 'right':
      return from === last ? 0 : from + 1;
    case 'up':
      return from - columns >= 0 ? from - columns : from;
    case 'down':
      return from + columns <= last ? from + columns : from;
  }
}
