/**
 * PerceiverImageProcessor: Hugging Face's image preprocessing for Perceiver, bit-exact with its PIL
 * path: center crop, Pillow BICUBIC resize on 8-bit RGB, rescale and normalize in float32, CHW.
 */
import { initBackend } from '../backend';
import { InputError } from '../errors';
import { tf } from '../tf';
import { centerCropBox, crop } from './center-crop';
import { ImageInput, loadRgb } from './image-input';
import { channelTables, ChannelTables, writeChannelsFirst } from './normalize';
import { resizeBicubic } from './pillow-bicubic';
import { FromPretrainedOptions, loadProcessorConfig } from '../model/pretrained-loader';
import { DEFAULT_PROCESSOR_CONFIG, ImageProcessorConfig } from './processor-config';
import { RgbImage } from './rgb-image';

export class PerceiverImageProcessor {
  private readonly tables: ChannelTables;

  constructor(readonly config: ImageProcessorConfig = DEFAULT_PROCESSOR_CONFIG) {
    this.tables = channelTables(config);
  }

  /** The settings of `preprocessor_config.json` of a model directory, URL or Hub id (Hugging Face's defaults if the file is absent). */
  static async fromPretrained(idOrDir: string, options: FromPretrainedOptions = {}): Promise<PerceiverImageProcessor> {
    return new PerceiverImageProcessor(await loadProcessorConfig(idOrDir, options));
  }

  /** Values per image in pixel_values: 3 x height x width. */
  get valuesPerImage(): number {
    return 3 * this.config.size.height * this.config.size.width;
  }

  /** Center crop and resize of an already loaded RGB image: the uint8 image just before rescaling. */
  cropAndResize(image: RgbImage): RgbImage {
    const { cropSize, size } = this.config;
    const cropped = cropSize
      ? crop(image, centerCropBox(image.width, image.height, { height: size.height / cropSize.height, width: size.width / cropSize.width }))
      : image;
    return resizeBicubic(cropped, size.width, size.height);
  }

  /** Loads, crops and resizes one input (`index` names buffers in errors). */
  async resized(input: ImageInput, index = 0): Promise<RgbImage> {
    return this.cropAndResize(await loadRgb(input, index));
  }

  /** Rescaled, normalized, channels-first values of one resized image, written into `out` at `offset`. */
  writePixelValues(image: RgbImage, out: Float32Array, offset: number): void {
    const { height, width } = this.config.size;
    if (image.width !== width || image.height !== height) {
      throw new InputError(`expected a ${width}x${height} image after resizing, got ${image.width}x${image.height}`);
    }
    writeChannelsFirst(image, this.tables, out, offset);
  }

  /** `[B, 3, H, W]` float32 tensor of already resized images, in order (backend ready). The caller disposes it. */
  toPixelValues(images: readonly RgbImage[]): tf.Tensor4D {
    const values = new Float32Array(images.length * this.valuesPerImage);
    images.forEach((image, i) => this.writePixelValues(image, values, i * this.valuesPerImage));
    return tf.tensor4d(values, [images.length, 3, this.config.size.height, this.config.size.width], 'float32');
  }

  /** pixel_values for the inputs, in order; rejects with an ImageError naming the first input that fails. */
  async preprocess(inputs: ImageInput | readonly ImageInput[]): Promise<tf.Tensor4D> {
    const list = Array.isArray(inputs) ? (inputs as readonly ImageInput[]) : [inputs as ImageInput];
    const images: RgbImage[] = [];
    // One image at a time: decoded full-size images are the large buffers, so only one is alive.
    for (let i = 0; i < list.length; i++) images.push(await this.resized(list[i], i));
    await initBackend();
    return this.toPixelValues(images);
  }
}
