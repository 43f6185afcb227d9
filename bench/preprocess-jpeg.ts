/**
 * Preprocessing time for a 1024x768 JPEG (decode + EXIF + crop + Pillow bicubic + normalize), the
 * number quoted in docs/images.md. The JPEG is made here: a fixture photo upscaled and encoded with
 * libjpeg (q90, 4:2:0, baseline). Run: `npx tsc -p tsconfig.build.json && node dist/bench/preprocess-jpeg.js`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { PerceiverImageProcessor } from '../src/image/image-processor';
import { stopDecoderWorker } from '../src/image/decoder-worker';
import { resizeBicubic } from '../src/image/pillow-bicubic';
import { loadRgb } from '../src/image/image-input';
import { FIXTURES_DIR } from '../test/fixtures';

const RUNS = 15;
const FIXTURE = path.join(FIXTURES_DIR, 'preprocess', 'chelsea.png');

// Real Node (not jest): a dynamic import that tsc leaves alone loads the ESM-only encoder.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<{
  default(data: { data: Uint8ClampedArray; width: number; height: number }, options: object): Promise<ArrayBuffer>;
  init(options: object): Promise<void>;
}>;

async function makeJpeg(): Promise<Uint8Array> {
  const photo = resizeBicubic(await loadRgb(process.env.BENCH_IMAGE ?? FIXTURE, 0), 1024, 768);
  const rgba = new Uint8ClampedArray(1024 * 768 * 4).fill(255);
  for (let p = 0; p < 1024 * 768; p++) rgba.set(photo.data.subarray(p * 3, p * 3 + 3), p * 4);
  const encoder = await importEsm(pathToFileURL(require.resolve('@jsquash/jpeg/encode.js')).href);
  await encoder.init({ wasmBinary: fs.readFileSync(require.resolve('@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm')) });
  const jpeg = await encoder.default({ data: rgba, width: 1024, height: 768 }, { quality: 90, baseline: true, progressive: false, chroma_subsample: 2 });
  return new Uint8Array(jpeg);
}

/** Decode + crop + resize + normalise times (ms) of a 1024x768 JPEG, after two warm-up runs. */
export async function measurePreprocessing(runs = RUNS): Promise<{ bytes: number; median: number; min: number; max: number }> {
  const jpeg = await makeJpeg();
  const processor = new PerceiverImageProcessor();
  const out = new Float32Array(processor.valuesPerImage);
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const start = process.hrtime.bigint();
    processor.writePixelValues(await processor.resized(jpeg), out, 0);
    if (i >= 2) times.push(Number(process.hrtime.bigint() - start) / 1e6); // first two runs warm up the worker and JIT
  }
  await stopDecoderWorker();
  times.sort((a, b) => a - b);
  return { bytes: jpeg.length, median: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1] };
}

async function main(): Promise<void> {
  const t = await measurePreprocessing();
  console.log(`1024x768 JPEG (${t.bytes} bytes): decode+crop+resize+normalize median ${t.median.toFixed(1)} ms over ${RUNS} runs (min ${t.min.toFixed(1)}, max ${t.max.toFixed(1)})`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
