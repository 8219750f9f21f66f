/**
 * Step-through for a class in a real terminal (issue 17 item 4): `pop3scope replay --step --lesson` at 120x40
 * under TERM=xterm-256color and tmux's own TERM (tmux-256color), UTF-8 locale. After the LIST command's step the
 * command is on screen with what it asks and the answer ("1 498") is not, nor the lesson's note on octets; after
 * space it is. Borders are box drawing in the copied pane text under both TERMs. And `demo --play --step`: the
 * built-in client's next command is shown first, space sends it.
 */
import { afterEach, expect, it } from 'vitest';
import { describeWithTmux, Terminal } from './tmux.js';

/** Runs the CLI from source with exactly this TERM and a UTF-8 locale (nothing inherited). */
const withTerm = (term: string, args: string) =>
  `env -u LC_ALL -u LC_CTYPE -u LANGUAGE -u NCURSES_NO_UTF8_ACS TERM=${term} LANG=C.UTF-8 node --import tsx src/cli/main.ts ${args}; echo "EXITED:$?"`;

describeWithTmux('replay --step in a terminal', () => {
  let term: Terminal | null = null;
  afterEach(() => {
    term?.close();
    term = null;
  });

  for (const termName of ['xterm-256color', 'tmux-256color']) {
    it(`TERM=${termName}: the answer stays hidden until space`, { timeout: 90_000 }, async () => {
      const t = new Terminal(120, 40);
      term = t;
      t.type(withTerm(termName, 'replay captures/seed-download-and-delete.jsonl --step --lesson'));
      await t.waitFor((s) => s.includes('step: space'), 60_000);
      // The greeting, USER and its answer, PASS and its answer, the LIST command: 7 records played.
      for (let i = 0; i < 6; i++) {
        t.press('Space');
        await t.waitFor((s) => s.includes(`${i + 2} rec`));
      }
      const asked = t.screen().join('\n');
      expect(asked).toContain('C: list  … what will the server answer? (space)');
      expect(asked).toContain('Detail · what will the server answer?');
      expect(asked).toContain('#3 list · not answered yet');
      // The Detail pane wraps the ask at its width.
      expect(asked).toContain('↳ The client asks for the list of messages.');
      expect(asked).toMatch(/What\s*│\n│[^\n]*│will the server answer\?/);
      expect(asked).toContain('space: reveal the answer');
      expect(asked).not.toContain('1 498');
      expect(asked).not.toContain('Sizes in octets');
      expect(asked).toContain('▸ Passwords in clear');
      // Borders readable in the copied text: box drawing, not the ACS letters.
      expect(asked).toMatch(/┌─ Sessions/);
      expect(asked).toMatch(/┌─ Detail · what will the server answer\? ─*┐/);
      expect(asked).not.toMatch(/lqq|qqk|mqq|qqj/);
      expect(asked).toContain('· step: space ·');

      t.press('Space');
      const answered = await t.waitFor((s) => s.includes('8 rec'));
      expect(answered).toContain('1 498');
      expect(answered).toContain('S| ▸ 2 lines: 1 498 · 2 912');
      expect(answered).toContain('┌─ Detail #3');
      expect(answered).toContain('↳ The server lists each message');
      expect(answered).toContain('▸ Sizes in octets');
      expect(answered).not.toContain('what will the server answer?');

      t.press('q');
      expect(await t.waitFor((s) => /EXITED:\d+/.test(s))).toContain('EXITED:0');
    });
  }

  it('demo --play --step (TERM=tmux-256color): the next command is shown first, space sends it', {
    timeout: 90_000,
  }, async () => {
    const t = new Terminal(120, 40);
    term = t;
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    t.type(withTerm('tmux-256color', `demo --play download-and-delete --step --pace 0 --port ${port}`));
    const first = await t.waitFor((s) => s.includes('next: USER bob'), 60_000);
    expect(first).toContain('next ▸ C: USER bob  (space sends it)');
    expect(first).not.toMatch(/│C: USER bob/);
    expect(first).toContain('space: send it');
    t.press('Space');
    const second = await t.waitFor((s) => s.includes('next: PASS <redacted 6 octets>'));
    expect(second).toMatch(/│C: USER bob\s/);
    expect(second).toMatch(/│S: \+OK/);
    expect(second).not.toContain('PASS hungry');
    expect(second).toMatch(/┌─ Sessions/);
    expect(second).not.toMatch(/lqq|qqk|mqq|qqj/);
    t.press('q');
    expect(await t.waitFor((s) => /EXITED:\d+/.test(s))).toContain('EXITED:0');
  });
});
