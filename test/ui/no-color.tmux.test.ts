/**
 * Regression (issue 13): the dashboard painted in colour whatever NO_COLOR or --no-color said. In a real
 * terminal (tmux), `replay --step` with NO_COLOR=1 or --no-color must show no colour at all — the pane's
 * attributes read back with capture-pane -e — while without them it is coloured (so the test can fail).
 */
import { afterEach, expect, it } from 'vitest';
import { cli, describeWithTmux, Terminal } from './tmux.js';

/** The SGR parameters that set a colour (foreground, background, 256 and true colour; 39/49 reset them). */
function colourCodes(screen: string): string[] {
  const found: string[] = [];
  for (const m of screen.matchAll(/\x1b\[([0-9;]*)m/g)) {
    const params = m[1]!.split(';').map(Number);
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      if (p === 38 || p === 48) {
        found.push(m[0]);
        break;
      }
      if ((p >= 30 && p <= 37) || (p >= 40 && p <= 47) || (p >= 90 && p <= 97) || (p >= 100 && p <= 107)) {
        found.push(m[0]);
        break;
      }
    }
  }
  return found;
}

describeWithTmux('the dashboard without colour', () => {
  let term: Terminal | null = null;
  afterEach(() => {
    term?.close();
    term = null;
  });

  for (const [name, env, flag] of [
    ['by default', '', ''],
    ['NO_COLOR=1', 'NO_COLOR=1', ''],
    ['--no-color', '', '--no-color'],
  ] as const) {
    it(`${name}: replay --step ${name === 'by default' ? 'is coloured' : 'shows no colour'}`, {
      timeout: 60_000,
    }, async () => {
      const t = new Terminal(120, 40);
      term = t;
      t.type(
        `${env ? `export ${env}; ` : 'unset NO_COLOR FORCE_COLOR; '}${cli(`replay captures/buggy-server.jsonl --step ${flag}`)}`,
      );
      await t.waitFor((s) => s.includes('step: space'), 40_000);
      t.press('Space');
      t.press('Space');
      await t.waitFor((s) => /S: \+OK/.test(s), 20_000);
      const screen = t.screenWithEscapes();
      if (name === 'by default') expect(colourCodes(screen).length).toBeGreaterThan(0);
      else {
        expect(colourCodes(screen)).toEqual([]);
        // Still marked: the focused pane, the current row.
        expect(screen).toMatch(/\x1b\[[0-9;]*\b(1|7)\b[0-9;]*m/);
      }
      t.press('q');
      expect(await t.waitFor((s) => /EXITED:\d+/.test(s))).toContain('EXITED:0');
    });
  }
});
