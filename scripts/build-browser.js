// Builds dist/browser/: perceiver-io.js (ES module, minified, with a source map) and, beside it,
// the WebAssembly binaries it loads (tfjs's wasm backend in its three builds, libjpeg-turbo).
// Importable from <script type="module"> without a bundler; `npm run build` runs it.
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

const root = path.join(__dirname, '..');
const out = path.join(root, 'dist', 'browser');
const WASM = [
  require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'),
  require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'),
  require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm'),
  require.resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm'),
];

async function main() {
  fs.mkdirSync(out, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [path.join(__dirname, 'browser-bundle-entry.js')],
    outfile: path.join(out, 'perceiver-io.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2020',
    minify: process.env.NO_MINIFY ? false : true,
    sourcemap: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  if (result.errors.length) process.exit(1);
  for (const file of WASM) fs.copyFileSync(file, path.join(out, path.basename(file)));
  const size = (f) => `${(fs.statSync(path.join(out, f)).size / 1e6).toFixed(1)} MB`;
  console.log(`dist/browser: perceiver-io.js ${size('perceiver-io.js')}, ${WASM.map((f) => path.basename(f)).join(', ')}`);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
