import { describe, expect, it } from 'vitest';
import {
  columnsOf,
  moveSelection,
  nextLayout,
  pageCount,
  pageItems,
  tilesPerPage,
} from '../../../../src-renderer/src/features/live/liveWallLayout';

describe('liveWallLayout', () => {
  it('knows the size of each grid and cycles through them', () => {
    expect(['1x1', '2x2', '3x3', '4x4'].map((layout) => tilesPerPage(layout as never))).toEqual([
      1, 4, 9, 16,
    ]);
    expect(columnsOf('3x3')).toBe(3);
    expect(nextLayout('1x1')).toBe('2x2');
    expect(nextLayout('4x4')).toBe('1x1');
  });

  it('splits cameras into pages', () => {
    const cameras = Array.from({ length: 10 }, (_, index) => index);
    expect(pageCount(10, '2x2')).toBe(3);
    expect(pageCount(0, '3x3')).toBe(1);
    expect(pageItems(cameras, '2x2', 2)).toEqual([8, 9]);
    expect(pageItems(cameras, '4x4', 0)).toEqual(cameras);
  });

  it('moves the selection on the grid: wraps left and right, stops at the top and bottom', () => {
    // 3 columns, 7 tiles: 0 1 2 / 3 4 5 / 6
    expect(moveSelection(0, 'left', 3, 7)).toBe(6);
    expect(moveSelection(6, 'right', 3, 7)).toBe(0);
    expect(moveSelection(1, 'up', 3, 7)).toBe(1);
    expect(moveSelection(4, 'down', 3, 7)).toBe(4);
    expect(moveSelection(3, 'down', 3, 7)).toBe(6);
    expect(moveSelection(5, 'up', 3, 7)).toBe(2);
    expect(moveSelection(3, 'left', 3, 0)).toBe(0);
  });
});
