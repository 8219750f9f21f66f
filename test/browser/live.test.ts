/**
 * THE Done-when test of the live view (issue #16): the real CLI's `demo --web --no-ui`, its URL read from
 * stderr, the page open in Debian's Chromium while real sessions go through the demo's proxy, asserted in the
 * browser as they happen: a lock-step client's USER bob / PASS / LIST / RETR / QUIT, each arrow on the page
 * before the next command is sent (PASS redacted, its bytes masked when clicked), then a real curl session
 * (curl logs in with SASL when the server offers it, as the demo's does) appearing in the list; the status
 * 'live' throughout, no password in the DOM, nothing fetched from elsewhere; 403 without the token; Ctrl-C and
 * the page says 'ended'.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Browser, launchChromium, newPage, type WatchedPage } from '../helpers/browser.js';
import { startCli } from '../helpers/cli.js';
import { curlPop3, run } from '../helpers/clients.js';
import { buildPageBundle } from '../helpers/pageBundle.js';
import { describeWithPeers } from '../helpers/peers.js';
import { type RawPop3, rawPop3 } from '../helpers/rawPop3.js';
import { secretForms } from '../helpers/secrets.js';

const URL_LINE = /^pop3scope: web view at (http:\/\/127\.0\.0\.1:\d+)\/\?t=([A-Za-z0-9_-]{22})$/m;
const PROXY_LINE = /the proxy listens on 127\.0\.0\.1:(\d+)/;
/** The demo's mailbox passwords (src/demo): the test's input, never allowed in the page. */
const PASSWORDS = ['hungry', 'wonderland'];

describeWithPeers(['chromium', 'curl'], 'demo --web: the live page in Chromium', () => {
  let browser: Browser;
  let demo: ReturnType<typeof startCli>;
  let origin: string;
  let pageUrl: string;
  let proxyPort: number;

  beforeAll(async () => {
    buildPageBundle();
    browser = await launchChromium();
    // --port 0 is not offered: a port of its own, and the next free one is taken when it is busy.
    demo = startCli(['demo', '--no-ui', '--web', '--port', '33640']);
    await demo.until(() => URL_LINE.test(demo.got.stderr) && PROXY_LINE.test(demo.got.stderr));
    const [line, o] = URL_LINE.exec(demo.got.stderr)!;
    origin = o!;
    pageUrl = line.replace(/^pop3scope: web view at /, '');
    proxyPort = Number(PROXY_LINE.exec(demo.got.stderr)![1]);
  }, 60_000);
  afterAll(async () => {
    demo?.child.kill('SIGKILL');
    await browser?.close();
  });

  const statusOf = (page: WatchedPage) => page.textContent('#source-status');
  const arrows = (page: WatchedPage) =>
    page.$$eval('#diagram g.arrow', (gs) =>
      gs.map((g) => `${g.getAttribute('data-arrow')} ${g.querySelector('text')?.textContent ?? ''}`),
    );
  /** The command arrows' labels in the order sent (by seq: the diagram draws pipelined ones where they fly). */
  const commands = async (page: WatchedPage) =>
    (await arrows(page))
      .filter((a) => a.startsWith('c'))
      .map((a) => /^c(\d+) (.*)$/.exec(a)!)
      .sort((a, b) => Number(a[1]) - Number(b[1]))
      .map((m) => m[2]);
  /** Waits, in the browser, until the diagram has an arrow whose id and label match. */
  const arrowAppears = (page: WatchedPage, id: string, label: RegExp) =>
    page.waitForFunction(
      ([id, source]) => {
        const g = document.querySelector(`#diagram g.arrow[data-arrow="${id}"]`);
        return !!g && new RegExp(source as string, 'i').test(g.querySelector('text')?.textContent ?? '');
      },
      [id, label.source],
      { timeout: 10_000 },
    );
  const expectNoPassword = async (page: WatchedPage) => {
    const dom = await page.content();
    for (const p of PASSWORDS) for (const form of secretForms(p)) expect(dom).not.toContain(form);
  };

  it('without the token the server answers 403 (curl)', async () => {
    const code = async (path: string) =>
      (await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `${origin}${path}`])).stdout;
    expect(await code('/')).toBe('403');
    expect(await code('/?t=AAAAAAAAAAAAAAAAAAAAAA')).toBe('403');
    expect(await code('/events')).toBe('403');
    expect(await code(pageUrl.slice(origin.length))).toBe('200');
  });

  it('the page follows real sessions as they happen, then says ended at Ctrl-C', async () => {
    const page = await newPage(browser, [origin]);
    await page.setViewportSize({ width: 1500, height: 1000 });
    await page.goto(pageUrl);
    await page.waitForFunction(() => document.querySelector('#source-status')?.textContent === 'live');
    expect(await page.$$('#session-list [data-key]')).toHaveLength(0);

    // A lock-step client: each command's arrow is on the page before the next is sent.
    const c: RawPop3 = await rawPop3(proxyPort);
    await page.waitForSelector('#session-list [data-key]', { timeout: 10_000 });
    await arrowAppears(page, 'r0', /^\+OK/);
    expect(await c.cmd('USER bob')).toMatch(/^\+OK/);
    await arrowAppears(page, 'c1', /^USER bob$/);
    expect(await c.cmd('PASS hungry')).toMatch(/^\+OK/);
    await arrowAppears(page, 'c2', /^PASS <redacted 6 octets>$/);
    await c.cmd('LIST', true);
    await arrowAppears(page, 'c3', /^LIST$/);
    await c.cmd('RETR 1', true);
    await arrowAppears(page, 'c4', /^RETR 1$/);
    expect(await statusOf(page)).toBe('live');
    await expectNoPassword(page);
    // The exact bytes of an arrow, masked as everywhere.
    await page.click('#diagram [data-arrow="c2"]');
    const pass = (await page.textContent('#detail-bytes')) ?? '';
    expect(pass).toContain('PASS ******');
    await page.click('#diagram [data-arrow="r4"]');
    expect(await page.textContent('#detail-bytes')).toContain('+OK 498 octets');
    await c.quit();
    await arrowAppears(page, 'c5', /^QUIT$/);
    const first = await commands(page);
    expect(first).toEqual(['USER bob', 'PASS <redacted 6 octets>', 'LIST', 'RETR 1', 'QUIT']);

    // A real curl session: LIST, then RETR 1 on the same connection; the page shows it as it comes.
    // (curlPop3 puts its extra arguments first: the LIST URL, then RETR 1's.)
    const curl = await curlPop3(`pop3://bob:hungry@127.0.0.1:${proxyPort}/1`, [
      `pop3://bob:hungry@127.0.0.1:${proxyPort}/`,
    ]);
    expect(curl.code, curl.stderr).toBe(0);
    await page.waitForFunction(
      () => document.querySelectorAll('#session-list [data-key]').length === 2,
      null,
      {
        timeout: 10_000,
      },
    );
    // The newest session is shown until one is picked from the list.
    await page.waitForFunction(
      () => {
        const labels = [...document.querySelectorAll('#diagram g.arrow text')].map(
          (t) => t.textContent ?? '',
        );
        return labels.includes('LIST') && labels.includes('RETR 1') && labels.includes('QUIT');
      },
      null,
      { timeout: 10_000 },
    );
    const labels = await commands(page);
    expect(labels[0]).toBe('CAPA');
    expect(labels.slice(-3)).toEqual(['LIST', 'RETR 1', 'QUIT']);
    expect(await statusOf(page)).toBe('live');
    await expectNoPassword(page);

    // Ctrl-C: the demo ends the stream, the page says so.
    demo.child.kill('SIGINT');
    await page.waitForFunction(
      () => document.querySelector('#source-status')?.textContent === 'ended',
      null,
      {
        timeout: 10_000,
      },
    );
    expect(await demo.exited).toBe(0);
    await expectNoPassword(page);
    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([]);
    await page.close();
  });
});
