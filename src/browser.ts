/**
 * perceiver-io public API, browser entry (ES module): the same models, processor and classifier as
 * the Node entry, without its Node-only parts (files, the Hub disk cache, worker threads, the BLAS
 * bridge, the CLI). Importing it registers the in-page image decoder and the URL reader for string
 * inputs. Nothing reachable from here imports a Node built-in (test/browser/bundle.test.ts).
 */
import { setWasmPaths as setTfjsWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import './image/browser-decoder';
import './image/browser-image-files';
import './loading/browser-loader';
import { setJpegWasmBase } from './image/browser-decoder';

/**
 * Where the WebAssembly binaries are served from: a folder URL ending in '/' holding tfjs's
 * tfjs-backend-wasm*.wasm and mozjpeg_dec.wasm (dist/browser/ has them all). The prebuilt bundle
 * points this at its own folder; call it before the first model or image to serve them elsewhere.
 */
export function setWasmPaths(folderUrl: string): void {
  setTfjsWasmPaths(folderUrl);
  setJpegWasmBase(folderUrl);
}

export * from './api';
export { BROWSER_BACKEND_ORDER } from './backend';
export { registerProcessorConfigLoader } from './model/pretrained-loader';
export type { ProcessorConfigLoader } from './model/pretrained-loader';
export { ImageClassifier } from './image-classifier';
export type { ClassifyOptions, ClassifyResult, EmbedOptions, EmbedResult, ExplainResult, ImageFeatures, RemoteClassifierModel } from './image-classifier';
export { parseProcessorConfig, DEFAULT_PROCESSOR_CONFIG } from './image/processor-config';
export type { BlobLike } from './image/image-input';
export type { DrawableImage, ImageDataLike } from './image/browser-image';
export { clearModelCache, configureModelLoading, DEFAULT_ENDPOINT, MODEL_CACHE_NAME } from './loading/browser-loader';
export type { BrowserLoaderSettings, ModelCache, ModelCacheStorage } from './loading/browser-loader';
