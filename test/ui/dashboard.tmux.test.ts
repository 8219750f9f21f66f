/**
 * The dashboard in a real terminal (tmux): `pop3scope demo --play download-and-delete` and `pop3scope replay
 * --step` (a command per space, then its answer), read back with capture-pane — the session list, the phase
 * strip reaching UPDATE, the mailbox with both messages removed — at 120x40 and after a resize to 80x24; then `q`, and the terminal must be itself
 * again: the normal screen, the cursor, cooked mode with echo, the shell prompt.
 */
import { afterEach, expect, it } from 'vitest';
import { cells } from '../../src/ui/format.js';
import { cli, describeWithTmux, Terminal } from './tmux.js';

const port = () => 20_000 + Math.floor(Math.random() * 20_000);

describeWithTmux('the dashboard in a terminal', () => {
  let term: Terminal | null = null;
  afterEach(() => {
    term?.close();
    term = null;
  });

  /** After q: the program exited 0 and the terminal is back to normal. */
  async function quitsCleanly(t: Terminal): Promise<void> {
    t.press('q');
    const screen = await t.waitFor((s) => /EXITED:\d+/.test(s));
    expect(screen).toContain('EXITED:0');
    expect(screen).not.toContain('┌─ Sessions');
    expect(t.property('alternate_on')).toBe('0');
    expect(t.property('cursor_flag')).toBe('1');
    t.type('stty -a | tr " " "\\n" | grep -xE -- "-?(icanon|echo)" | tr "\\n" " "; echo');
    // The shell prints the answer, then its prompt: wait for both (the prompt can lag the output).
    const after = await t.waitFor((s) => /(^|\n)-?icanon -?echo\s*\n/.test(s) && /READY\$\s*$/.test(s));
    expect(after).toMatch(/(^|\n)icanon echo\s*\n/);
    expect(after).toMatch(/READY\$\s*$/);
  }

  it('demo --play download-and-delete: sessions, phases up to UPDATE, both messages removed; 80x24; q restores', {
    timeout: 120_000,
  }, async () => {
    const t = new Terminal(120, 40);
    term = t;
    t.type(cli(`demo --play download-and-delete --pace 50 --port ${port()}`));
    const big = await t.waitFor((s) => /removed 1, 2/.test(s) && /\bended\b/.test(s), 60_000);
    const rows = big.split('\n');
    expect(rows).toHaveLength(40);
    // The session list.
    expect(big).toMatch(/│ID\s+CLIENT\s+USER\s+PHASE\s+CMDS\s+C→S\s+S→C\s+TIME\s+VIOL\s+STATE/);
    expect(big).toMatch(/│s1\s+127\.0\.0\.1:\d+\s+bob\s+UPDATE\s+8\s+67\s+\d+\s+[\d.]+s\s+0 ended/);
    // The phase strip, on the first row, reached UPDATE.
    expect(rows[0]).toMatch(/AUTHORIZATION \+[\d.]+s → TRANSACTION \+[\d.]+s →\s+UPDATE \+[\d.]+s/);
    // The mailbox: both messages retrieved and removed.
    expect(big).toMatch(/│\s+1\s+498\s+—\s+retrieved, removed/);
    expect(big).toMatch(/│\s+2\s+912\s+—\s+retrieved, removed/);
    // The transcript, with the password redacted; the status line with the keys.
    expect(big).toContain('C: PASS <redacted 6 octets>');
    // The demo's password is on screen on purpose in the connect lines above the status line (issue 17), and
    // nowhere else: every other row — the transcript, the detail, the lesson — is free of it.
    expect(rows[37]).toMatch(/^ Connect: pop3scope client 127\.0\.0\.1:\d+ .* user bob pass hungry/);
    expect(rows.filter((r) => r.includes('hungry'))).toEqual([rows[37], rows[38]]);
    expect(rows[39]).toMatch(/q quit/);

    t.resize(80, 24);
    const small = await t.waitFor(
      (s) => s.split('\n').length === 24 && /┌─ Sessions.*─┐\n/.test(s) && /q quit\s*$/.test(s),
    );
    const lines = small.split('\n');
    for (const l of lines) expect(cells(l)).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/AUTHORIZATION .* UPDATE/);
    expect(small).toMatch(/│s1\s+127\.0\.0\.1:\d+\s+bob\s+UPDATE\s+8\s/);
    expect(small).toMatch(/│\s+1\s+498\s+—\s+removed/);
    expect(small).toMatch(/│\s+2\s+912\s+—\s+removed/);
    expect(lines[23]).toMatch(/q quit/);

    // Keys: Tab to the transcript, up to the LIST, Enter expands it.
    t.resize(120, 40);
    await t.waitFor((s) => s.split('\n').length === 40);
    t.press('Tab');
    for (let i = 0; i < 30; i++) {
      const s = t.screen().join('\n');
      if (/Detail #3/.test(s)) break;
      t.press('k');
      await new Promise((r) => setTimeout(r, 60));
    }
    t.press('Enter');
    await t.waitFor((s) => /S\| 1 498\s*│/.test(s) && /S\| 2 912\s*│/.test(s));

    await quitsCleanly(t);
  });

  // Since issue 17 (item 4) a step stops after each command, then after its answer: this test used to see one
  // whole transaction per space (2, 4, 6 records); it now sees the command first, then its answer.
  it('replay --step: each space plays the next command, then its answer; the phase strip and mailbox follow', {
    timeout: 120_000,
  }, async () => {
    const t = new Terminal(120, 40);
    term = t;
    t.type(cli('replay captures/seed-download-and-delete.jsonl --step'));
    await t.waitFor((s) => s.includes('step: space'), 60_000);
    const steps: string[] = [];
    for (let i = 0; i < 5; i++) {
      t.press('Space');
      steps.push(await t.waitFor((s) => s.includes(`${i + 2} rec`)));
    }
    expect(steps[0]).toContain('S: +OK POP3 server ready');
    expect(steps[0]).not.toContain('C: user bob');
    expect(steps[1]).toContain('C: user bob  … what will the server answer? (space)');
    expect(steps[1]).toContain('Detail · what will the server answer?');
    expect(steps[2]).toContain('C: user bob');
    expect(steps[2]).not.toContain('what will the server answer?');
    expect(steps[2]).not.toContain('C: pass');
    expect(steps[3]).toContain('C: pass <redacted 6 octets>  … what will the server answer? (space)');
    expect(steps[4].split('\n')[0]).toMatch(/AUTHORIZATION \+0\.04s →\s+TRANSACTION \+2\.82s\s+→ UPDATE/);
    // Six commands twice, the session's end, and the step that finds nothing left.
    for (let i = 0; i < 14; i++) t.press('Space');
    const end = await t.waitFor((s) => /· done ·/.test(s));
    expect(end).toMatch(/│\s+1\s+498\s+—\s+retrieved, removed/);
    expect(end.split('\n')[0]).toMatch(/UPDATE \+7\.26s/);
    await quitsCleanly(t);
  });
});
