/**
 * The Done-when test of issue #16 part 3: the Markdown export's Mermaid blocks are read without error by
 * Mermaid's own parser (node_modules/mermaid, the version GitHub-like renderers run) in real headless Chromium:
 * the block of `show --format markdown` of every capture in captures/, and a few hundred sessions with hostile
 * labels (fast-check). A deliberately broken diagram is rejected, so the test can fail; a raw label that our
 * escaping would have fixed is rejected too. One diagram is rendered: its SVG shows the arrows' texts as
 * they were recorded (the redacted password), and hostile labels come out exactly as the transcript shows
 * them. The page never touches the network.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mermaidSequence } from '../../src/diagram/mermaid.js';
import { visible } from '../../src/diagram/mermaidText.js';
import type { SessionRecords } from '../../src/diagram/types.js';
import { JSON_VERSION } from '../../src/render/json.js';
import { hostile } from '../diagram/hostile.js';
import { mermaidBlocks } from '../diagram/mermaidBlocks.js';
import { emptySession, tx } from '../diagram/records.js';
import { type Browser, launchChromium, newPage, type WatchedPage } from '../helpers/browser.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { describeWithPeers } from '../helpers/peers.js';

const MERMAID_JS = join(ROOT, 'node_modules/mermaid/dist/mermaid.min.js');
const CAPTURES = readdirSync(join(ROOT, 'captures'))
  .filter((f) => f.endsWith('.jsonl'))
  .sort()
  .map((f) => `captures/${f}`);

type Parsed = { ok: true; type: string } | { ok: false; error: string };

/** A session whose every label is hostile: commands, statuses, violations, pop3scope's own lines, TLS. */
function hostileSession([command, text, message, own]: [string, string, string, string]): SessionRecords {
  const base = { session: 's1', version: JSON_VERSION } as const;
  return emptySession({
    transactions: [
      tx(0, null, { text, startedAt: 1000, endedAt: 1000 }),
      tx(1, command, {
        text,
        startedAt: 1100,
        endedAt: 1140,
        violations: [{ code: 'POP3_BAD_STATUS', severity: 'error', message, rfc: 'RFC 1939 §3' }],
      }),
      tx(2, command, { status: '-ERR', text: message, startedAt: 1200, endedAt: 1240, pipelined: true }),
    ],
    phases: [{ ...base, type: 'phase', from: null, to: 'AUTHORIZATION', at: 1000, reason: own }],
    violations: [
      {
        ...base,
        type: 'violation',
        at: 1300,
        code: 'POP3_UNEXPECTED_DATA',
        severity: 'warning',
        message,
        rfc: own,
      },
    ],
    proxy: [{ ...base, type: 'proxy', at: 1250, dir: 's2c', text: `${own}\r\n` }],
    alter: [{ ...base, type: 'alter', at: 1260, dir: 'c2s', what: own, removed: text, code: null }],
    injected: [{ ...base, type: 'injected', at: 1270, rule: own, on: command, what: message }],
    tls: [{ ...base, type: 'tls', at: 1150, how: 'stls', visibility: 'decrypted' }],
  });
}

describeWithPeers(['chromium'], 'Mermaid’s own parser in headless Chromium', () => {
  let browser: Browser;
  let page: WatchedPage;

  async function parseAll(texts: readonly string[]): Promise<Parsed[]> {
    return page.evaluate(async (all) => {
      const mermaid = (
        window as unknown as { mermaid: { parse(t: string): Promise<{ diagramType: string }> } }
      ).mermaid;
      const out: Parsed[] = [];
      for (const t of all) {
        try {
          out.push({ ok: true, type: (await mermaid.parse(t)).diagramType });
        } catch (e) {
          out.push({ ok: false, error: String(e) });
        }
      }
      return out;
    }, texts);
  }

  /** Renders a diagram; the texts of its message arrows and its notes, in the SVG's order. */
  async function render(
    text: string,
  ): Promise<{ svg: string; messages: string[]; notes: string[]; active: number }> {
    return page.evaluate(async (t) => {
      const mermaid = (
        window as unknown as { mermaid: { render(id: string, t: string): Promise<{ svg: string }> } }
      ).mermaid;
      const { svg } = await mermaid.render(`d${Math.random().toString(36).slice(2)}`, t);
      const box = document.createElement('div');
      box.innerHTML = svg;
      const texts = (sel: string) => [...box.querySelectorAll(sel)].map((n) => n.textContent ?? '');
      // Elements that could run something: an <img>, a <script>, any on* attribute.
      const active = [...box.querySelectorAll('*')].filter(
        (n) => /^(img|script|iframe)$/i.test(n.tagName) || [...n.attributes].some((a) => /^on/i.test(a.name)),
      ).length;
      return { svg, messages: texts('text.messageText'), notes: texts('text.noteText'), active };
    }, text);
  }

  beforeAll(async () => {
    browser = await launchChromium();
    page = await newPage(browser);
    await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
    await page.addScriptTag({ path: MERMAID_JS });
    await page.evaluate(() =>
      (window as unknown as { mermaid: { initialize(c: object): void } }).mermaid.initialize({
        startOnLoad: false,
        securityLevel: 'strict',
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await page?.close();
    await browser?.close();
  });

  it('parses the Mermaid block of show --format markdown of every capture, one per session', async () => {
    expect(CAPTURES.length).toBeGreaterThanOrEqual(10);
    const blocks: string[] = [];
    for (const file of CAPTURES) {
      const r = runCli(['show', file, '--format', 'markdown']);
      expect(r.code, file).toBe(0);
      const sessions = (r.stdout.match(/^### POP3 session /gm) ?? []).length;
      const found = mermaidBlocks(r.stdout);
      expect(found, file).toHaveLength(sessions);
      expect(r.stdout).not.toMatch(/hungry|wonderland|aHVuZ3J5|d29uZGVybGFuZA/);
      blocks.push(...found);
    }
    const parsed = await parseAll(blocks);
    expect(parsed).toEqual(blocks.map(() => ({ ok: true, type: 'sequence' })));
    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([]);
  }, 120_000);

  it('rejects a broken diagram and a raw hostile label (so the test above can fail)', async () => {
    const [broken, raw, unknownArrow, escaped] = await parseAll([
      'sequenceDiagram\n    Client->>Server: hi\n    Client->>>>: oops',
      // What a label would do unescaped: ";" ends the statement and the rest is no statement at all.
      'sequenceDiagram\n    Client->>Server: user bob; -->> x',
      'sequenceDiagram\n    participant Client\n    Client=>Server: x',
      mermaidSequence(hostileSession(['user bob; -->> x', 'a', 'b', 'c'])),
    ]);
    expect(broken?.ok).toBe(false);
    expect(raw?.ok).toBe(false);
    expect(unknownArrow?.ok).toBe(false);
    expect(escaped).toEqual({ ok: true, type: 'sequence' });
  });

  it('parses a few hundred sessions with hostile labels in commands, answers, notes and pop3scope’s lines', async () => {
    const cases = fc.sample(fc.tuple(hostile, hostile, hostile, hostile), { numRuns: 300, seed: 16 });
    const texts = cases.map((c) => mermaidSequence(hostileSession(c)));
    const parsed = await parseAll(texts);
    const failed = parsed.flatMap((p, i) =>
      p.ok ? [] : [{ case: cases[i], text: texts[i], error: p.error }],
    );
    expect(failed).toEqual([]);
    expect(page.requests).toEqual([]);
  }, 120_000);

  it('renders hostile labels as exactly the text the transcript shows, nothing interpreted', async () => {
    const cases = fc.sample(fc.tuple(hostile, hostile, hostile, hostile), { numRuns: 25, seed: 1939 });
    cases.push([
      '%%{init: {"theme":"dark"}}%% <br>x',
      '<img src=x onerror=alert(1)>',
      'a;b#c',
      '#quot; ﬂ°°60¶ß',
    ]);
    for (const c of cases) {
      const [command, text, message, own] = c;
      const { messages, notes, active } = await render(mermaidSequence(hostileSession(c)));
      const shown = (s: string) => (visible(s).trim() === '' ? '(empty)' : visible(s).trim());
      expect(messages).toContain(shown(command));
      expect(messages).toContain(shown(text === '' ? '+OK' : `+OK ${text}`));
      expect(messages).toContain(shown(`-ERR ${message}`));
      // pop3scope's own lines are one label: "a ⏎ b".
      const ownLines = `${own}\r\n`
        .replace(/(\r?\n)+$/, '')
        .split(/\r?\n/)
        .join(' ⏎ ');
      expect(messages).toContain(shown(ownLines));
      expect(notes).toContain(shown(`⚠ POP3_BAD_STATUS (RFC 1939 §3): ${message}`));
      expect(active).toBe(0);
    }
    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([]);
  }, 120_000);

  it('renders the seed’s session: the arrows’ texts, the password redacted, the phases', async () => {
    const md = runCli(['show', 'captures/seed-download-and-delete.jsonl', '--format', 'markdown']).stdout;
    const [block = ''] = mermaidBlocks(md);
    const { svg, messages, notes } = await render(block);
    expect(messages).toEqual([
      '+OK POP3 server ready',
      'user bob',
      '+OK',
      'pass <redacted 6 octets>',
      '+OK user successfully logged on',
      'list',
      '+OK 2 messages (1410 octets)',
      'retr 1',
      '+OK 498 octets',
      'dele 1',
      '+OK message 1 deleted',
      'retr 2',
      '+OK 912 octets',
      'dele 2',
      '+OK message 2 deleted',
      'quit',
      '+OK POP3 server signing off (2 messages deleted)',
    ]);
    expect(notes).toEqual(
      expect.arrayContaining(['AUTHORIZATION', 'TRANSACTION', 'UPDATE', '912 octets, 24 lines']),
    );
    expect(svg).not.toMatch(/hungry|aHVuZ3J5/);
    expect(page.errors).toEqual([]);
    expect(page.requests).toEqual([]);
  }, 60_000);

  it('renders a diagram at the caps (200 arrows of long hostile labels) instead of Mermaid’s error box', async () => {
    const label = ';#%<>&'.repeat(100);
    const transactions = [
      tx(0, null),
      ...Array.from({ length: 300 }, (_, i) => tx(i + 1, label, { text: label })),
    ];
    const text = mermaidSequence(emptySession({ transactions }));
    const { messages, notes } = await render(text);
    expect(messages.length).toBeGreaterThan(50);
    expect(messages[1]).toBe(visible(label));
    expect(notes.at(-1)).toMatch(/^… \d+ more arrows left out \(this diagram stops after \d+ arrows\)$/);
  }, 120_000);
});
