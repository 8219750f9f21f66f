/**
 * Regression (issue 12): at 200x50 the dashboard kept 12 rows of session list for one session and an 80-column
 * detail beside a 120-column transcript. The widgets must lay out by what the panes hold, in a real terminal.
 */
import { afterEach, expect, it } from 'vitest';
import { cells } from '../../src/ui/format.js';
import { cli, describeWithTmux, Terminal } from './tmux.js';

describeWithTmux('the dashboard layout follows its content', () => {
  let term: Terminal | null = null;
  afterEach(() => {
    term?.close();
    term = null;
  });

  it('200x50, one session of two messages: a 4-row session list, a 100-column transcript, a fitted mailbox', {
    timeout: 60_000,
  }, async () => {
    const t = new Terminal(200, 50);
    term = t;
    t.type(cli('replay captures/seed-download-and-delete.jsonl --speed 0'));
    const screen = await t.waitFor((s) => /· done ·/.test(s) && /removed 1, 2/.test(s), 40_000);
    const rows = screen.split('\n');
    const at = (re: RegExp) => rows.findIndex((r) => re.test(r));
    expect(at(/┌─ Sessions/)).toBe(1);
    expect(at(/┌─ Transcript/)).toBe(5); // border, header, s1, border
    const transcriptTop = rows[5]!;
    expect(cells(transcriptTop.slice(0, transcriptTop.indexOf('┐') + 1))).toBe(100);
    expect(transcriptTop).toMatch(/┐┌─ Mailbox bob/);
    // The mailbox: border, header, 2 messages, footer, border; the detail right under it.
    expect(at(/┌─ Detail/)).toBe(11);
    t.press('q');
    expect(await t.waitFor((s) => /EXITED:\d+/.test(s))).toContain('EXITED:0');
  });
});
