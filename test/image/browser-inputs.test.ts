/**
 * The browser kinds of image input, dispatched in Node with stand-ins for the DOM classes (the real
 * ones are exercised in Chromium by test/browser/preprocess.test.ts): encoded bytes as ArrayBuffer
 * or Blob give the same pixel_values as a path; ImageData and drawable images become RGBA pixels;
 * bad ones get an ImageError naming the input.
 */
import * as fs from 'fs';
import { PerceiverImageProcessor } from '../../src/image/image-processor';
import { describeInput, loadRgb } from '../../src/image/image-input';
import { stopDecoderWorker } from '../../src/image/decoder-worker';
import { ImageError } from '../../src/errors';
import { fixturePath, readFixture } from '../fixtures';

const processor = new PerceiverImageProcessor();
const g = globalThis as unknown as Record<string, unknown>;

afterAll(stopDecoderWorker);
afterEach(() => {
  for (const name of ['ImageData', 'ImageBitmap', 'HTMLImageElement', 'OffscreenCanvas']) delete g[name];
});

async function pixelValuesOf(input: Parameters<PerceiverImageProcessor['preprocess']>[0]): Promise<Float32Array> {
  const t = await processor.preprocess(input);
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

test('ArrayBuffer and Blob/File of a JPEG give the fixture pixel_values bit for bit', async () => {
  const want = (await readFixture('preprocess', 'chelsea_jpg.safetensors')).float32('pixel_values');
  const bytes = fs.readFileSync(fixturePath('preprocess', 'chelsea.jpg'));
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  expect(Buffer.from((await pixelValuesOf(buffer)).buffer).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength))).toBe(true);
  const file = new File([bytes], 'chelsea.jpg', { type: 'image/jpeg' });
  expect(Buffer.from((await pixelValuesOf(file)).buffer).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength))).toBe(true);
});

test('errors name a File by its name, other inputs by kind and position', async () => {
  const broken = new File([new Uint8Array([0xff, 0xd8, 0xff])], 'broken.jpg');
  await expect(loadRgb(broken, 0)).rejects.toThrow(/^broken\.jpg: /);
  await expect(loadRgb(new Blob([new Uint8Array(0)]), 3)).rejects.toThrow('blob #3: file is empty (0 bytes)');
  await expect(loadRgb(new ArrayBuffer(0), 1)).rejects.toThrow('buffer #1: file is empty (0 bytes)');
  await expect(loadRgb({ width: 2 } as never, 2)).rejects.toThrow("pixels #2: expected a path or URL, encoded bytes (Uint8Array, ArrayBuffer, Blob), {data, width, height, channels} or a browser image, got an object without 'channels'");
});

test('ImageData: RGBA rows, alpha dropped', async () => {
  class ImageData {
    constructor(
      readonly data: Uint8ClampedArray,
      readonly width: number,
      readonly height: number,
    ) {}
  }
  g.ImageData = ImageData;
  const rgba = Uint8ClampedArray.from([1, 2, 3, 255, 4, 5, 6, 0]);
  const image = await loadRgb(new ImageData(rgba, 2, 1) as never, 0);
  expect(image).toEqual({ width: 2, height: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) });
});

/** A canvas stand-in that "draws" by copying a source's RGBA into its pixels. */
function installCanvas(): void {
  class OffscreenCanvas {
    private pixels: Uint8ClampedArray;
    constructor(
      readonly width: number,
      readonly height: number,
    ) {
      this.pixels = new Uint8ClampedArray(width * height * 4);
    }
    getContext() {
      return {
        drawImage: (source: { rgba: Uint8ClampedArray }) => this.pixels.set(source.rgba),
        getImageData: (_x: number, _y: number, w: number, h: number) => ({ width: w, height: h, data: this.pixels }),
      };
    }
  }
  g.OffscreenCanvas = OffscreenCanvas;
}

test('an ImageBitmap is drawn into a canvas and read back; an <img> uses its natural size and must have loaded', async () => {
  installCanvas();
  class ImageBitmap {
    constructor(
      readonly width: number,
      readonly height: number,
      readonly rgba: Uint8ClampedArray,
    ) {}
  }
  class HTMLImageElement {
    width = 1; // the layout size; the drawn size is naturalWidth x naturalHeight
    height = 1;
    constructor(
      readonly naturalWidth: number,
      readonly naturalHeight: number,
      readonly complete: boolean,
      readonly rgba: Uint8ClampedArray,
    ) {}
  }
  g.ImageBitmap = ImageBitmap;
  g.HTMLImageElement = HTMLImageElement;
  const rgba = Uint8ClampedArray.from([9, 8, 7, 255, 6, 5, 4, 255]);
  await expect(loadRgb(new ImageBitmap(1, 2, rgba) as never, 0)).resolves.toEqual({ width: 1, height: 2, data: Uint8Array.from([9, 8, 7, 6, 5, 4]) });
  await expect(loadRgb(new HTMLImageElement(2, 1, true, rgba) as never, 0)).resolves.toEqual({ width: 2, height: 1, data: Uint8Array.from([9, 8, 7, 6, 5, 4]) });
  expect(describeInput(new HTMLImageElement(2, 1, true, rgba) as never, 4)).toBe('HTMLImageElement #4');
  const pending = loadRgb(new HTMLImageElement(0, 0, false, rgba) as never, 4);
  await expect(pending).rejects.toThrow(ImageError);
  await expect(pending).rejects.toThrow('HTMLImageElement #4: the <img> has not loaded (await img.decode() first) or its image is broken');
});

test('a drawable image without a canvas to read it with is an ImageError, not a crash', async () => {
  class ImageBitmap {
    width = 2;
    height = 2;
  }
  g.ImageBitmap = ImageBitmap;
  await expect(loadRgb(new ImageBitmap() as never, 0)).rejects.toThrow('ImageBitmap #0: reading a drawable image needs OffscreenCanvas or a document (a browser)');
});
