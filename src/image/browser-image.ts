/**
 * Images that a browser hands over already decoded (ImageData, ImageBitmap, <img>, <canvas>,
 * OffscreenCanvas) as RGBA pixels. Browser globals are looked up when an image arrives, never at
 * import, so this module loads in Node too (where none of these inputs can occur).
 *
 * These pixels are browser-decoded: the browser's JPEG decoder and colour management may differ
 * from Pillow's, so they are not bit-exact with Hugging Face (docs/browser.md has the measured
 * difference). Encoded bytes (Blob, ArrayBuffer, Uint8Array) go through our own decoders instead.
 */
import { ImageError } from '../errors';
import { checkPixelCount } from './decode-image';
import { RawPixels } from './rgb-image';

/** ImageData, or anything shaped like it: RGBA rows, 4 bytes per pixel. */
export interface ImageDataLike {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
}

/** An ImageBitmap, HTMLImageElement, HTMLCanvasElement, OffscreenCanvas or VideoFrame: something `drawImage` draws. */
export interface DrawableImage {
  readonly width: number;
  readonly height: number;
}

interface Context2d {
  drawImage(image: unknown, dx: number, dy: number): void;
  getImageData(sx: number, sy: number, sw: number, sh: number, settings?: object): ImageDataLike;
}

interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d', settings?: object): Context2d | null;
}

type Globals = {
  ImageData?: abstract new (...args: never[]) => ImageDataLike;
  OffscreenCanvas?: new (width: number, height: number) => Canvas;
  document?: { createElement(tag: 'canvas'): Canvas };
} & Record<string, unknown>;

const globals = globalThis as unknown as Globals;

/** The DOM classes whose instances `drawImage` accepts, checked by name so that a missing one is no error. */
const DRAWABLE_CLASSES = ['ImageBitmap', 'HTMLImageElement', 'HTMLCanvasElement', 'OffscreenCanvas', 'SVGImageElement', 'VideoFrame'] as const;

export function isImageData(input: unknown): input is ImageDataLike {
  return typeof globals.ImageData === 'function' && input instanceof globals.ImageData;
}

/** The DOM class name of a drawable image, or undefined. */
export function drawableKind(input: unknown): string | undefined {
  return DRAWABLE_CLASSES.find((name) => {
    const cls = globals[name];
    return typeof cls === 'function' && input instanceof (cls as abstract new () => unknown);
  });
}

export function imageDataPixels(image: ImageDataLike): RawPixels {
  return { width: image.width, height: image.height, channels: 4, data: image.data };
}

/** The size drawImage draws at: an <img>'s intrinsic size, which its width/height attributes may not be. */
function naturalSize(image: DrawableImage, kind: string, source: string): { width: number; height: number } {
  const img = image as DrawableImage & { naturalWidth?: number; naturalHeight?: number; complete?: boolean };
  if (kind === 'HTMLImageElement') {
    if (!img.complete || !img.naturalWidth) throw new ImageError(`${source}: the <img> has not loaded (await img.decode() first) or its image is broken`);
    return { width: img.naturalWidth, height: img.naturalHeight! };
  }
  const frame = image as DrawableImage & { displayWidth?: number; displayHeight?: number };
  if (kind === 'VideoFrame') return { width: frame.displayWidth!, height: frame.displayHeight! };
  return { width: image.width, height: image.height };
}

function newCanvas(width: number, height: number, source: string): Canvas {
  if (globals.OffscreenCanvas) return new globals.OffscreenCanvas(width, height);
  if (globals.document) {
    const canvas = globals.document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    return canvas;
  }
  throw new ImageError(`${source}: reading a drawable image needs OffscreenCanvas or a document (a browser)`);
}

/** The image drawn 1:1 into an sRGB canvas and read back as RGBA. */
export function drawnPixels(image: DrawableImage, kind: string, source: string): RawPixels {
  const { width, height } = naturalSize(image, kind, source);
  checkPixelCount(width, height, source);
  const context = newCanvas(width, height, source).getContext('2d', { colorSpace: 'srgb', willReadFrequently: true });
  if (!context) throw new ImageError(`${source}: the browser gave no 2D canvas context to read the ${kind} with`);
  context.drawImage(image, 0, 0);
  return imageDataPixels(context.getImageData(0, 0, width, height, { colorSpace: 'srgb' }));
}
