/**
 * The demo page end to end in Chromium: it loads the tiny model from the local server (?model=),
 * a photo is uploaded through the file input, the top-5 labels appear with their scores, and no
 * console error occurs. The screenshot is saved to test-artifacts/demo-tiny.png.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fixturePath } from '../fixtures';
import { PageSession, startSession } from './harness/session';

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');
let session: PageSession;

beforeAll(async () => {
  session = await startSession();
});
afterAll(async () => session?.close());

test('load the tiny model, upload a photo, see the top 5', async () => {
  const page = await session.browser.newPage();
  await page.setViewportSize({ width: 1200, height: 800 });
  await page.goto(`${session.server.origin}/demo/?model=/fixtures/tiny/`);
  await page.waitForSelector('body[data-model="ready"]', { timeout: 60000 });
  await expect(page.textContent('#status')).resolves.toMatch(/^Loaded \/fixtures\/tiny\/ in [\d.]+ s: 10 labels, 4 latent self-attention layers\.$/);
  await expect(page.textContent('#backend-line')).resolves.toMatch(/^backend wasm, \d+ threads?, cross-origin isolated, SIMD on/);
  await page.setInputFiles('#file', fixturePath('preprocess', 'chelsea.jpg'));
  await page.waitForSelector('body[data-result="ready"]', { timeout: 60000 });
  const rows = await page.$$eval('#results li', (items) => items.map((li) => [li.querySelector('.label')!.textContent, li.querySelector('.score')!.textContent]));
  expect(rows).toHaveLength(5);
  for (const [label, score] of rows) {
    expect(label).toBeTruthy();
    expect(score).toMatch(/^\d+\.\d%$/);
  }
  await expect(page.textContent('#timing')).resolves.toMatch(/^chelsea\.jpg: [\d.]+ s/);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'demo-tiny.png'), fullPage: true });
  expect(session.browser.takeErrors()).toEqual([]);
});
