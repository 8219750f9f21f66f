/**
 * The report at scale (issue #16): writes a capture of 10,000 short sessions, runs `pop3scope report` on it
 * (time and peak memory), opens the file in Debian's Chromium from file:// and measures the time from
 * navigation to the session list drawn (target ≤ 2 s), and to the first session's diagram. A figure, not a
 * timed test:
 *   node --import tsx bench/report.ts [--sessions N] [--big-mib M]
 * --big-mib also reports a capture of one session with an M MiB RETR (default 1024: memory stays bounded).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium, newPage } from '../test/helpers/browser.js';
import { buildPageBundle } from '../test/helpers/pageBundle.js';
import { watchPeakRss } from './proc.js';
import { writeBigRetrCapture, writeSessionsCapture } from './reportCapture.js';

const at = process.argv.indexOf('--sessions');
const SESSIONS = at > 0 ? Number(process.argv[at + 1]) : 10_000;
const big = process.argv.indexOf('--big-mib');
const BIG_MIB = big > 0 ? Number(process.argv[big + 1]) : 0;
const ROOT = new URL('..', import.meta.url).pathname;

async function runReport(capture: string, out: string): Promise<{ ms: number; peakMiB: number }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'report', capture, '-o', out],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const peak = watchPeakRss(child.pid!);
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const peakBytes = peak.stop();
  if (code !== 0) throw new Error(`pop3scope report exited ${code}`);
  return { ms: performance.now() - started, peakMiB: peakBytes / 1024 / 1024 };
}

async function main(): Promise<void> {
  buildPageBundle();
  const dir = mkdtempSync(join(tmpdir(), 'pop3scope-bench-report-'));
  try {
    const capture = join(dir, 'sessions.jsonl');
    const html = join(dir, 'report.html');
    await writeSessionsCapture(capture, { sessions: SESSIONS });
    const written = await runReport(capture, html);
    console.log(
      `report of ${SESSIONS} sessions: capture ${(statSync(capture).size / 1e6).toFixed(1)} MB → ` +
        `report ${(statSync(html).size / 1e6).toFixed(1)} MB in ${(written.ms / 1000).toFixed(2)} s, ` +
        `peak RSS ${written.peakMiB.toFixed(0)} MiB`,
    );
    if (BIG_MIB > 0) {
      const bigCapture = join(dir, 'big.jsonl');
      const bigHtml = join(dir, 'big.html');
      await writeBigRetrCapture(bigCapture, BIG_MIB);
      const r = await runReport(bigCapture, bigHtml);
      console.log(
        `report of one session with a ${BIG_MIB} MiB RETR: capture ${(statSync(bigCapture).size / 1e6).toFixed(0)} MB → ` +
          `report ${(statSync(bigHtml).size / 1e3).toFixed(0)} kB in ${(r.ms / 1000).toFixed(1)} s, peak RSS ${r.peakMiB.toFixed(0)} MiB`,
      );
      rmSync(bigCapture);
    }
    const browser = await launchChromium();
    try {
      const runs: { list: number; diagram: number }[] = [];
      for (let i = 0; i < 3; i++) {
        const page = await newPage(browser);
        await page.setViewportSize({ width: 1600, height: 1000 });
        const t0 = performance.now();
        await page.goto(pathToFileURL(html).href, { waitUntil: 'commit' });
        await page.waitForFunction(
          (n) =>
            document.getElementById('list-count')?.textContent === `${n} sessions` &&
            document.querySelector('#session-list [data-key]') !== null,
          SESSIONS,
          { polling: 'raf', timeout: 60_000 },
        );
        const list = performance.now() - t0;
        await page.waitForSelector('#diagram svg', { timeout: 60_000 });
        const diagram = performance.now() - t0;
        const rows = await page.$$eval('#session-list [data-key]', (r) => r.length);
        if (page.errors.length > 0 || page.requests.length > 0)
          throw new Error(`page errors ${page.errors.join('; ')} requests ${page.requests.join(' ')}`);
        runs.push({ list, diagram });
        console.log(
          `  open #${i + 1}: list drawn ${list.toFixed(0)} ms (${rows} rows in the DOM), first diagram ${diagram.toFixed(0)} ms`,
        );
        await page.close();
      }
      const best = Math.min(...runs.map((r) => r.list));
      console.log(
        `navigation → session list: best ${best.toFixed(0)} ms (target ≤ 2000 ms) ${best <= 2000 ? 'OK' : 'SLOW'}`,
      );
    } finally {
      await browser.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
