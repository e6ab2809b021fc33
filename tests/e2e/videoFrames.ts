import type { Page } from '@playwright/test';
import { readFrameCode } from '../../src-main/simulator/scene/frameCode';

/** What one look at a <video> shows: the simulator's frame code and a luma checksum. */
export interface VideoSample {
  frame: number | null;
  wallClockMs: number | null;
  sum: number;
  width: number;
}

/**
 * Draws the <video> that `selector` finds into a canvas and reads the frame code and a luma
 * checksum off it.
 */
export async function sampleVideo(page: Page, selector: string): Promise<VideoSample> {
  // An expression string, because the page's CSP forbids building functions from text.
  return page.evaluate(
    `(() => {
      const readFrameCode = ${readFrameCode.toString()};
      const video = document.querySelector(${JSON.stringify(selector)});
      if (!video) return { frame: null, wallClockMs: null, sum: 0, width: 0 };
      const width = video.videoWidth, height = video.videoHeight;
      if (!width || !height) return { frame: null, wallClockMs: null, sum: 0, width: 0 };
      const canvas = document.createElement('canvas');
      canvas.width = width; canvas.height = height;
      const context = canvas.getContext('2d', { willReadFrequently: true });
      context.drawImage(video, 0, 0, width, height);
      const pixels = context.getImageData(0, 0, width, height).data;
      const luma = (x, y) => {
        const i = (y * width + x) * 4;
        return 0.299 * pixels[i] + 0.587 * pixels[i + 1] + 0.114 * pixels[i + 2];
      };
      let sum = 0;
      for (let i = 0; i < pixels.length; i += 16) sum += pixels[i];
      const code = readFrameCode(luma, width, height);
      return { frame: code ? code.frame : null, wallClockMs: code ? code.wallClockMs : null, sum, width };
    })()`,
  );
}
