/**
 * The same page in live mode (web/html.ts pageHtml behind web/server.ts, as `--web` serves it): records fed
 * to the feed appear in Chromium as they come — the session in the list, selected by itself, its diagram
 * growing — with the CSP the server sends (the page's inline script hashed), step controls when the config
 * asks, and 'ended' when the server stops. (The end-to-end test with demo and curl is test/browser/live.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/analysis/types.js';
import { analyzeCapture } from '../../src/capture/analyzeCapture.js';
import { recordMaker } from '../../src/render/wireBytes.js';
import { RecordFeed } from '../../src/web/feed.js';
import { pageHtml } from '../../src/web/html.js';
import { WebServer } from '../../src/web/server.js';
import { type Browser, launchChromium, newPage } from '../helpers/browser.js';
import { buildPageBundle } from '../helpers/pageBundle.js';
import { describeWithPeers } from '../helpers/peers.js';

describeWithPeers(['chromium'], 'the page in live mode', () => {
  let browser: Browser;
  const events: EngineEvent[] = [];
  beforeAll(async () => {
    buildPageBundle();
    for await (const e of analyzeCapture('captures/seed-download-and-delete.jsonl')) events.push(e);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('shows a session while it happens, then ended; step controls walk its arrows', async () => {
    const feed = new RecordFeed({ toRecord: recordMaker(), withData: true });
    const server = await WebServer.start({
      host: '127.0.0.1',
      port: 0,
      feed,
      page: pageHtml,
      title: 'live test',
      steps: true,
    });
    const origin = new URL(server.url()).origin;
    const page = await newPage(browser, [origin]);
    try {
      await page.goto(server.url());
      await page.waitForSelector('#source-status[data-status="live"]');
      const cut = events.findIndex((e) => e.type === 'transaction' && e.tx.command?.verb === 'LIST');
      for (const e of events.slice(0, cut)) feed.event(e);
      await page.waitForSelector('#diagram [data-arrow="c2"]');
      expect(await page.textContent('#session-list [data-session="s1"] .c-user')).toBe('bob');
      expect(await page.textContent('#session-list [data-session="s1"] .c-mode')).toBe('live…');
      expect(await page.$('#diagram [data-arrow="c3"]')).toBeNull();
      for (const e of events.slice(cut)) feed.event(e);
      await page.waitForSelector('#diagram [data-arrow="r8"]');
      await page.waitForSelector('#session-summary');
      expect(await page.textContent('#session-list [data-session="s1"] .c-mode')).toBe('download-and-delete');
      expect(await page.textContent('#mailbox tr[data-message="1"] td[data-col="removed"]')).toBe('#8 quit');
      // Steps: → twice is the second arrow (USER bob), the later ones dimmed.
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      expect(await page.textContent('#step-where')).toMatch(/^2 \/ \d+$/);
      expect(await page.getAttribute('#diagram g.arrow[data-arrow="c1"]', 'class')).toContain('selected');
      expect(await page.getAttribute('#diagram g.arrow[data-arrow="c2"]', 'class')).toContain('step-future');
      expect(await page.textContent('#detail-bytes')).toBe('user bob␍␊\n');
      await page.click('#step-prev');
      expect(await page.textContent('#step-where')).toMatch(/^1 \/ \d+$/);
      expect(await page.content()).not.toContain('hungry');
      await server.stop();
      await page.waitForSelector('#source-status[data-status="ended"]');
      expect(page.errors).toEqual([]);
      expect(page.requests).toEqual([]);
    } finally {
      await page.close();
      await server.stop();
    }
  });

  it('a page opened after the backlog dropped sessions says so, and lists the sessions kept', async () => {
    const feed = new RecordFeed({ limits: { sessions: 1 } });
    const server = await WebServer.start({
      host: '127.0.0.1',
      port: 0,
      feed,
      page: pageHtml,
      title: 'dropped',
    });
    // Two sessions (curl's s1 and s2) before any page connects: the backlog keeps only the second.
    for await (const e of analyzeCapture('captures/dovecot-curl.jsonl')) feed.event(e);
    const page = await newPage(browser, [new URL(server.url()).origin]);
    try {
      await page.goto(server.url());
      await page.waitForSelector('#session-list [data-session="s2"]');
      await page.waitForSelector('#dropped:not(:empty)');
      expect(await page.textContent('#dropped')).toMatch(
        /^not shown, dropped before this page connected: 1 older session \(\d+ records\)$/,
      );
      expect(await page.$('#session-list [data-session="s1"]')).toBeNull();
      expect(await page.textContent('#session-title')).toContain('s2');
      expect(page.errors).toEqual([]);
    } finally {
      await page.close();
      await server.stop();
    }
  });
});
