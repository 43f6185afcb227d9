/**
 * Hugging Face's Perceiver center crop: a box of side `size / crop_size * min(H, W)` (truncated), with
 * offsets rounded down (`(H - c) // 2`), not up as in the TF ImageNet code it descends from.
 */
import { RgbImage } from './rgb-image';

export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** `ratio` = size / crop_size per axis (224/256 by default; at most 1, so the box never needs padding). */
export function centerCropBox(width: number, height: number, ratio: { height: number; width: number }): CropBox {
  const minDim = Math.min(height, width);
  // Float64 product then truncation, as Python's int((size / crop) * min_dim).
  const cropHeight = Math.max(1, Math.trunc(ratio.height * minDim));
  const cropWidth = Math.max(1, Math.trunc(ratio.width * minDim));
  return {
    top: Math.floor((height - cropHeight) / 2),
    left: Math.floor((width - cropWidth) / 2),
    height: cropHeight,
    width: cropWidth,
  };
}

export function crop(image: RgbImage, box: CropBox): RgbImage {
  const data = new Uint8Array(box.width * box.height * 3);
  const rowBytes = box.width * 3;
  for (let y = 0; y < box.height; y++) {
    const start = ((box.top + y) * image.width + box.left) * 3;
    data.set(image.data.subarray(start, start + rowBytes), y * rowBytes);
  }
  return { width: box.width, height: box.height, data };
}
