/** Images for training through the model's processor (crop, Pillow resize), optionally mirrored. */
import type { PerceiverImageProcessor } from '../image/image-processor';
import type { RgbImage } from '../image/rgb-image';
import type { ImageSource } from '../train/fit';
import { flipHorizontal } from './flip';

export function processorImageSource(processor: PerceiverImageProcessor): ImageSource {
  return {
    load: async (path, flip) => {
      const image = await processor.resized(path);
      return flip ? flipHorizontal(image) : image;
    },
    toPixelValues: (images: readonly RgbImage[]) => processor.toPixelValues(images),
  };
}
