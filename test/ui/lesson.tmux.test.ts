/**
 * The lesson pane in a real terminal (tmux, 120x40, UTF-8 locale), under TERM=xterm-256color and tmux's own
 * tmux-256color: `pop3scope demo --play download-and-delete --pace 300` says, in order, the phases at the
 * greeting, the +OK rule, the clear-text password at PASS, octets at LIST, that RETR does not delete, that DELE
 * only marks, the UPDATE removal at QUIT and the client's mode at the end; the connect lines name
 * `pop3scope client` for as long as the dashboard runs, and the footer names q.
 */
import { afterEach, expect, it } from 'vitest';
import { cells } from '../../src/ui/format.js';
import { describeWithTmux, Terminal } from './tmux.js';

const port = () => 20_000 + Math.floor(Math.random() * 20_000);

/** Runs the CLI from source with exactly this TERM and a UTF-8 locale (nothing inherited). */
const run = (term: string, args: string) =>
  `env -u LC_ALL -u LC_CTYPE -u LANGUAGE -u NCURSES_NO_UTF8_ACS TERM=${term} LANG=C.UTF-8 node --import tsx src/cli/main.ts ${args}; echo "EXITED:$?"`;

/** Each concept by the heading the lesson pane gives it, in the order the session must say them. */
const CONCEPTS: readonly [string, RegExp][] = [
  ['phases at the greeting', /▸ Three phases/],
  ['+OK means it worked', /▸ \+OK/],
  ['the password travels in clear (PASS)', /▸ Passwords in clear/],
  ['LIST sizes in octets', /▸ Sizes in octets/],
  ['RETR does not delete', /▸ RETR does not delete/],
  ['DELE only marks', /▸ DELE only marks/],
  ['QUIT: UPDATE removes the marked', /▸ UPDATE/],
  ['the mode, named', /▸ The client’s mode/],
];

describeWithTmux('the lesson pane in a terminal', () => {
  let term: Terminal | null = null;
  afterEach(() => {
    term?.close();
    term = null;
  });

  for (const termName of ['xterm-256color', 'tmux-256color']) {
    it(`TERM=${termName}: each concept at its moment, in order; connect lines and q on screen`, {
      timeout: 90_000,
    }, async () => {
      const t = new Terminal(120, 40);
      term = t;
      const p = port();
      t.type(run(termName, `demo --play download-and-delete --pace 300 --port ${p}`));
      // Poll the screen: note when each concept's heading first shows (by poll, then by row).
      const first = new Map<string, [number, number]>();
      const seenAt: string[] = [];
      let screen = '';
      const until = Date.now() + 60_000;
      for (let poll = 0; Date.now() < until; poll++) {
        screen = t.screen().join('\n');
        const rows = screen.split('\n');
        for (const [name, re] of CONCEPTS) {
          if (first.has(name)) continue;
          const row = rows.findIndex((r) => re.test(r));
          if (row >= 0) first.set(name, [poll, row]);
        }
        // What was on screen when PASS had just been answered: the password note, not yet the octets.
        if (first.has('the password travels in clear (PASS)') && seenAt.length === 0) seenAt.push(screen);
        if (first.size === CONCEPTS.length && /\bended\b/.test(screen)) break;
        await new Promise((r) => setTimeout(r, 80));
      }
      expect(
        CONCEPTS.map(([n]) => n).filter((n) => !first.has(n)),
        screen,
      ).toEqual([]);
      const order = [...first.entries()]
        .sort((a, b) => a[1][0] - b[1][0] || a[1][1] - b[1][1])
        .map(([n]) => n);
      expect(order).toEqual(CONCEPTS.map(([n]) => n));
      // Said at the right transaction: when the password note appeared, the transcript had reached PASS.
      expect(seenAt[0]).toContain('C: PASS <redacted 6 octets>');
      expect(seenAt[0]).toMatch(/USER and PASS travel in clear/);
      // The end: the mode named from what the client did, UPDATE's removal, in the pane's own words.
      const end = await t.waitFor((s) => /download-and-delete mode:/.test(s) && /\bended\b/.test(s), 20_000);
      const rows = end.split('\n');
      expect(rows).toHaveLength(40);
      expect(end).toMatch(/┌─ Lesson s1 bob ─+┐/);
      expect(end).not.toMatch(/lqq|qqk|mqq|qqj/);
      // The connect lines, above the footer, for as long as the dashboard runs; q in the footer.
      expect(rows[37]).toContain(`Connect: pop3scope client 127.0.0.1:${p} · telnet 127.0.0.1 ${p}`);
      expect(rows[37]).toContain('user bob pass hungry');
      expect(rows[38]).toContain(`curl pop3://bob:hungry@127.0.0.1:${p}/1`);
      expect(rows[39]).toMatch(/q quit\s*$/);
      // The demo's password is on screen on purpose, in the connect lines only: the transcript keeps it redacted.
      expect(rows.filter((r) => r.includes('hungry'))).toEqual([rows[37], rows[38]]);
      // 80x24: the lesson beside the detail, one connect line, the footer; nothing wider than the terminal.
      t.resize(80, 24);
      const small = await t.waitFor(
        (s) => s.split('\n').length === 24 && /┌─ Lesson s1 bob/.test(s) && /q quit\s*$/.test(s),
      );
      const lines = small.split('\n');
      for (const l of lines) expect(cells(l)).toBeLessThanOrEqual(80);
      expect(lines[0]).toMatch(/AUTHORIZATION .* UPDATE/);
      expect(lines[22]).toContain(`Connect: pop3scope client 127.0.0.1:${p}`);
      expect(small).toMatch(/┌─ Detail.*┐┌─ Lesson s1 bob.*┐/);
      t.press('q');
      const after = await t.waitFor((s) => /EXITED:\d+/.test(s));
      expect(after).toContain('EXITED:0');
      // Nothing printed after the screen is given back tells a stale "Ctrl-C": the instructions were on screen.
      expect(after).not.toMatch(/Stop with Ctrl-C/);
    });
  }
});
