// The prebuilt browser bundle's entry (scripts/build-browser.js): the browser API, with the
// WebAssembly binaries found beside the bundle itself unless the page calls setWasmPaths first.
import { setWasmPaths } from '../src/browser';

setWasmPaths(new URL('./', import.meta.url).href);

export * from '../src/browser';
