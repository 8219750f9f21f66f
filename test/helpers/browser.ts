/**
 * Real headless Chromium for the browser tests (issue #16): Debian's /usr/bin/chromium driven by
 * playwright-core, never a downloaded browser. The flags keep Chromium off the network this machine does not
 * have (without them it opens many connections that are refused, and looks up Google's hosts at start); each
 * launch gets a fresh, empty profile that is removed again.
 *
 *   describeWithPeers(['chromium'], 'the report', () => {
 *     let browser: Browser;
 *     beforeAll(async () => { browser = await launchChromium(); });
 *     afterAll(() => browser?.close());
 *     it('opens', async () => {
 *       const page = await newPage(browser);
 *       await page.goto(pathToFileURL(file).href);
 *       expect(page.errors).toEqual([]);
 *     });
 *   });
 *
 * `newPage` collects the page's uncaught errors and console errors (`page.errors`) and every request that
 * is not the page itself or data:/blob: (`page.requests`), so a test can assert the page fetched nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { CHROMIUM_BIN } from './peers.js';

export type { Browser, Page };

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Debian's Chromium headless with a fresh profile; closing the browser removes the profile. */
export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'pop3scope-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_BIN,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
  const browser = context.browser();
  // A persistent context has no Browser object of its own; this one closes the context and its profile.
  const closing = async () => {
    await context.close().catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  };
  if (browser) {
    const close = browser.close.bind(browser);
    browser.close = async () => {
      await close().catch(() => undefined);
      await closing();
    };
    return browser;
  }
  return {
    newPage: () => context.newPage(),
    close: closing,
    contexts: () => [context],
  } as unknown as Browser;
}

export interface WatchedPage extends Page {
  /** Uncaught exceptions and console errors, as text. */
  readonly errors: string[];
  /** URLs the page requested other than file:, data: and blob: ones and `allowed` (e.g. its own server). */
  readonly requests: string[];
}

/** A new page that records its errors and outside requests. `allowed` URL prefixes are not recorded. */
export async function newPage(browser: Browser, allowed: readonly string[] = []): Promise<WatchedPage> {
  const context = browser.contexts()[0];
  const page = (await (context ? context.newPage() : browser.newPage())) as WatchedPage;
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('request', (r) => {
    const url = r.url();
    if (/^(file|data|blob|about):/.test(url)) return;
    if (allowed.some((a) => url.startsWith(a))) return;
    requests.push(url);
  });
  Object.assign(page, { errors, requests });
  return page;
}
