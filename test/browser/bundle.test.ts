/**
 * The browser entry bundles for the browser platform with no Node built-in and no shim (issue #14):
 * esbuild resolves it as a browser bundler would, and every built-in it would need fails the test
 * with the import chain that reaches it.
 */
import { bundleForBrowser, describeUses } from './browser-graph';

const ENTRY = 'src/browser.ts';

test('src/browser.ts reaches no Node built-in', async () => {
  const { uses } = await bundleForBrowser(ENTRY);
  expect(describeUses(uses)).toBe('');
});

test('the Node-only parts stay out of the browser graph: koffi, the BLAS bridge, the Hub disk cache, the worker pool, the CLI', async () => {
  const { metafile } = await bundleForBrowser(ENTRY);
  const files = Object.keys(metafile.inputs);
  // of src/hub, the browser loader shares the id/revision checks, progress type, HTTP status messages and file names.
  const nodeOnly = files.filter((f) => /^node_modules\/(koffi|yauzl)\/|^src\/blas\/|^src\/hub\/(?!model-id|progress|hub-errors|file-names)|^src\/parallel\/|^tools\/|^src\/.*node-|^src\/.*-file\.ts$/.test(f));
  expect(nodeOnly).toEqual([]);
  // The model and the decoders are in it.
  expect(files).toEqual(expect.arrayContaining(['src/model/perceiver-model.ts', 'src/image/browser-decoder.ts', 'src/image/image-processor.ts', 'src/loading/browser-loader.ts', 'src/weights/torch/zip-archive.ts']));
});

test('a planted fs import two files away is caught and named with its chain', async () => {
  const { uses } = await bundleForBrowser('test/browser/planted/reads-a-file.ts');
  expect(describeUses(uses)).toBe('fs: test/browser/planted/reads-a-file.ts -> test/browser/planted/file-size.ts');
});

test('the Node entry, bundled for a browser, is caught (the check sees what the split keeps out)', async () => {
  const { uses } = await bundleForBrowser('src/index.ts', { external: ['koffi'] });
  const lines = describeUses(uses).split('\n');
  expect(lines).toEqual(expect.arrayContaining(['worker_threads: src/index.ts -> src/parallel/worker-pool.ts', 'fs: src/index.ts -> src/config-file.ts']));
});
