/**
 * The package is usable from both module systems: `require('perceiver-io')` and
 * `import ... from 'perceiver-io'` resolve (through package.json "exports") to the same API.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { makeTempDir, removeDir } from './tmp-dir';

const ROOT = path.join(__dirname, '..');
let app: string;

beforeAll(() => {
  // A consumer project whose node_modules/perceiver-io is this checkout.
  app = makeTempDir('consumer');
  fs.mkdirSync(path.join(app, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(app, 'node_modules', 'perceiver-io'), 'dir');
});
afterAll(() => removeDir(app));

function run(file: string, source: string): string[] {
  fs.writeFileSync(path.join(app, file), source);
  const r = spawnSync(process.execPath, [file], { cwd: app, encoding: 'utf-8' });
  if (r.status !== 0) throw new Error(`${file} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

test('require and import expose the same names, including the model and tf', () => {
  const cjs = run('a.cjs', "console.log(JSON.stringify(Object.keys(require('perceiver-io')).sort()))");
  const esm = run('b.mjs', "import * as api from 'perceiver-io'; console.log(JSON.stringify(Object.keys(api).filter((k) => k !== 'default').sort()))");
  expect(esm).toEqual(cjs);
  for (const name of ['PerceiverForImageClassificationFourier', 'tf', 'ImageClassifier', 'PerceiverImageProcessor', 'initBackend']) {
    expect(cjs).toContain(name);
  }
});
