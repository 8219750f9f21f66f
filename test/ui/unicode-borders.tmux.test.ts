/**
 * Regression (issue 12): under tmux's default TERM (tmux-256color) the dashboard drew its borders with the
 * terminal's line-drawing charset (ACS), so the pane text tmux copies read `lqqqk` and `x`. With a UTF-8
 * locale the borders must be Unicode box drawing, whatever TERM says.
 */
import { afterEach, expect, it } from 'vitest';
import { describeWithTmux, Terminal } from './tmux.js';

/** Runs the CLI from source with exactly this TERM and locale (nothing inherited that would hide the bug). */
function withLocale(env: string, args: string): string {
  return `env -u LC_ALL -u LC_CTYPE -u LANGUAGE -u NCURSES_NO_UTF8_ACS ${env} node --import tsx src/cli/main.ts ${args}; echo "EXITED:$?"`;
}

describeWithTmux('dashboard borders under tmux-256color', () => {
  let term: Terminal | null = null;
  afterEach(() => {
    term?.close();
    term = null;
  });

  for (const locale of ['LANG=C.UTF-8', 'LANG=C LC_CTYPE=en_US.UTF-8']) {
    it(`TERM=tmux-256color ${locale}: box drawing in the copied pane text, no lqqqk`, {
      timeout: 60_000,
    }, async () => {
      const t = new Terminal(100, 30);
      term = t;
      t.type(
        withLocale(`TERM=tmux-256color ${locale}`, 'replay captures/seed-download-and-delete.jsonl --step'),
      );
      const screen = await t.waitFor((s) => s.includes('step: space'), 40_000);
      expect(screen).toMatch(/┌─ Sessions/);
      expect(screen).toContain('│');
      expect(screen).toContain('─');
      expect(screen).not.toMatch(/lqq|qqk|mqq|qqj/);
      expect(screen).toContain('· step: space ·'); // ACS turned the middle dots into ~
      t.press('q');
      expect(await t.waitFor((s) => /EXITED:\d+/.test(s))).toContain('EXITED:0');
    });
  }
});
