/**
 * `demo --play keep-vs-delete --pace 0` in a real terminal (tmux), under TERM=xterm-256color and tmux's own
 * tmux-256color with a UTF-8 locale: it ends on the comparison screen — the dashboard's note says that it
 * finished and what each of Bob's machines got in each mode — with the machines' sessions told apart by their
 * addresses in the CLIENT column, the borders box drawing in the copied pane text; then q exits 0.
 */
import { afterEach, expect, it } from 'vitest';
import { canListen } from '../../src/listen.js';
import { describeWithTmux, Terminal } from '../ui/tmux.js';

const port = () => 20_000 + Math.floor(Math.random() * 20_000);

/** Runs the CLI from source with exactly this TERM and a UTF-8 locale. */
const run = (term: string, args: string) =>
  `env -u LC_ALL -u LC_CTYPE -u LANGUAGE -u NCURSES_NO_UTF8_ACS LANG=C.UTF-8 TERM=${term} node --import tsx src/cli/main.ts ${args}; echo "EXITED:$?"`;

describeWithTmux('demo --play keep-vs-delete in a terminal', () => {
  let term: Terminal | null = null;
  afterEach(() => {
    term?.close();
    term = null;
  });

  for (const name of ['xterm-256color', 'tmux-256color']) {
    it(`TERM=${name}: ends on the comparison screen, stays until q`, { timeout: 120_000 }, async () => {
      const own = await canListen('127.0.0.2');
      const t = new Terminal(120, 40);
      term = t;
      t.type(run(name, `demo --play keep-vs-delete --pace 0 --port ${port()}`));
      const screen = await t.waitFor((s) => s.includes("Finished: what each of Bob's machines got"), 60_000);
      // The comparison: machine × mode → messages received (the note wraps words: the padding collapses).
      expect(screen).toMatch(/│\s+office PC \| delete: 1, 2 \| keep: 1, 2\s+│/);
      expect(screen).toMatch(/│\s+home PC \| delete: none \| keep: 1, 2\s+│/);
      expect(screen).toMatch(/│\s+laptop \| delete: none \| keep: 1, 2\s+│/);
      expect(screen).toContain('1: Lunch on Friday? (498 octets)');
      expect(screen).toContain('The demo stays until q.');
      // Eight sessions, the last ones from the machines' own addresses.
      expect(screen).toMatch(/8 sessions, 0 live/); // was "8 session(s)" before the dashboard counted in words (issue 17)
      if (own) {
        expect(screen).toMatch(/│s4\s+127\.0\.0\.2:\d+\s+bob\s+UPDATE/);
        expect(screen).toMatch(/│s5\s+127\.0\.0\.3:\d+\s+bob\s+UPDATE/);
        expect(screen).toMatch(/│s6\s+127\.0\.0\.4:\d+\s+bob\s+UPDATE/);
      }
      // Borders readable in the copied text: box drawing, not the line-drawing charset's letters.
      expect(screen).toMatch(/┌─ Sessions/);
      expect(screen).toMatch(/┌─ Lesson/);
      expect(screen).not.toMatch(/lqq|qqk|mqq|qqj/);
      // It stays: the story is over, the screen is not.
      await new Promise((r) => setTimeout(r, 500));
      expect(t.screen().join('\n')).toContain("Finished: what each of Bob's machines got");
      t.press('q');
      expect(await t.waitFor((s) => /EXITED:\d+/.test(s))).toContain('EXITED:0');
    });
  }
});
