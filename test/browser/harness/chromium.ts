/**
 * Drives the system Chromium with playwright-core (which never downloads a browser). CHROME_PATH
 * overrides where it is found. Every console error and uncaught page error is collected, and the
 * tests fail on them.
 */
import * as fs from 'fs';
import { chromium, Browser, BrowserContext, Page } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath(): string {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`CHROME_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const found = CANDIDATES.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(
      `No Chromium found (looked at ${CANDIDATES.join(', ')}). Install it with 'apt-get install -y chromium' ` +
        '(Debian/Ubuntu), or set CHROME_PATH to a Chromium or Chrome executable. The browser tests never download one.',
    );
  }
  return found;
}

/** Flags: no network side-traffic, and the software GPU paths headless Chromium has here (webgl via SwiftShader, webgpu if it offers an adapter). */
const ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-swiftshader',
  '--enable-unsafe-webgpu',
  '--use-angle=swiftshader',
];

/**
 * Chromium logs every 404 as a console error, including the loader's probes for a model's optional
 * files (a folder without preprocessor_config.json, or with pytorch_model.bin but no
 * model.safetensors): those 404s are the expected answer, as on the Hub, and are not errors.
 */
const OPTIONAL_MODEL_FILE = /\/(preprocessor_config\.json|model\.safetensors)$/;

function isOptionalFileProbe(text: string, url: string): boolean {
  return text.includes('404') && OPTIONAL_MODEL_FILE.test(new URL(url, 'http://x').pathname);
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  /** Console errors and page errors seen since the last call, across pages. */
  takeErrors(): string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<BrowserSession> {
  // launch() gives every run a fresh, temporary profile (user-data-dir).
  const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: ARGS });
  const context = await browser.newContext();
  const errors: string[] = [];
  const newPage = async () => {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' && !isOptionalFileProbe(m.text(), m.location().url)) errors.push(`console error on ${page.url()}: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => errors.push(`page error on ${page.url()}: ${e.message}`));
    return page;
  };
  const takeErrors = () => errors.splice(0, errors.length);
  return { browser, context, takeErrors, newPage, close: () => browser.close() };
}
