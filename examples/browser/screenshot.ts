/**
 * The demo's picture for docs/browser.md: serves the demo with a local model folder, loads it in
 * headless Chromium, uploads a photo through the file input and saves a screenshot once the top 5
 * are shown. Usage (after `npm run build`):
 *   node dist/examples/browser/screenshot.js --model-dir DIR --image PHOTO --out docs/images/browser-demo.png
 */
import * as path from 'path';
import { parseArgs } from 'util';
import { launchChromium } from '../../test/browser/harness/chromium';
import { startStaticServer } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'model-dir': { type: 'string' }, image: { type: 'string' }, out: { type: 'string' } } });
  const [dir, image, out] = [values['model-dir'], values.image, values.out];
  if (!dir || !image || !out) throw new Error('usage: screenshot --model-dir DIR --image PHOTO --out FILE.png');
  const server = await startStaticServer({ mounts: { '/models/local/': path.resolve(dir) } });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1200, height: 800 });
    await page.goto(`${server.origin}/demo/?model=/models/local/`);
    await page.waitForSelector('body[data-model="ready"]', { timeout: 300_000 });
    await page.setInputFiles('#file', path.resolve(image));
    await page.waitForSelector('body[data-result="ready"]', { timeout: 300_000 });
    await page.screenshot({ path: out, fullPage: true });
    console.log(`${out}: ${await page.textContent('#status')} | ${await page.textContent('#backend-line')} | ${await page.textContent('#timing')}`);
    const errors = browser.takeErrors();
    if (errors.length) throw new Error(`console errors in the page:\n${errors.join('\n')}`);
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
