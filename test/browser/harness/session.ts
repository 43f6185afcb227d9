/** One server + Chromium + test page per test file, and the conversions the tests need. */
import type { Page } from 'playwright-core';
import { startStaticServer, StaticServer, StaticServerOptions } from '../../../examples/browser/server';
import { BrowserSession, launchChromium } from './chromium';

export interface PageSession {
  server: StaticServer;
  browser: BrowserSession;
  /** A page of the test harness (test/browser/pages/index.html), with window.perceiver loaded. */
  openHarness(): Promise<Page>;
  close(): Promise<void>;
}

export async function startSession(options: StaticServerOptions = {}): Promise<PageSession> {
  const server = await startStaticServer(options);
  const browser = await launchChromium().catch(async (e) => {
    await server.close();
    throw e;
  });
  const openHarness = async () => {
    const page = await browser.newPage();
    await page.goto(`${server.origin}/pages/index.html`);
    await page.waitForFunction(() => (globalThis as { harnessReady?: boolean }).harnessReady === true);
    return page;
  };
  return { server, browser, openHarness, close: async () => Promise.all([browser.close(), server.close()]).then(() => undefined) };
}

export function fromBase64Float32(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
