/**
 * The browser the page tests use works here: Debian's Chromium under playwright-core, headless, offline,
 * with a fresh profile (test/helpers/browser.ts). If this fails, every other browser test would too.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Browser, launchChromium, newPage } from '../helpers/browser.js';
import { describeWithPeers } from '../helpers/peers.js';

describeWithPeers(['chromium'], 'headless Chromium from Debian', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('opens a file:// page, runs its script, and reports its errors and outside requests', async () => {
    const file = join(tmpdir(), `pop3scope-browser-${process.pid}.html`);
    writeFileSync(
      file,
      `<!doctype html><title>t</title><p id="p">before</p>
       <script>document.getElementById('p').textContent = 'after ' + (1 + 1);</script>
       <img src="http://127.0.0.1:9/nothing.png"><script>throw new Error('boom')</script>`,
    );
    const page = await newPage(browser);
    await page.goto(pathToFileURL(file).href);
    expect(await page.textContent('#p')).toBe('after 2');
    expect(page.errors.join('\n')).toContain('boom');
    expect(page.requests).toEqual(['http://127.0.0.1:9/nothing.png']);
    await page.close();
  });
});
