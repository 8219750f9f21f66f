/**
 * `pop3scope client` in a real terminal against `pop3scope demo`: Tab completes by the phase, the password is
 * echoed masked, the seed's walkthrough ends on screen with the closing line. Under TERM=xterm-256color and
 * tmux's own TERM (tmux-256color), with a UTF-8 locale.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { describeWithTmux, Terminal } from '../ui/tmux.js';

const randomPort = () => 20_000 + Math.floor(Math.random() * 20_000);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `pop3scope demo --no-ui` and resolves with the port its proxy took (it may move past a busy one). */
function startDemo(): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--no-ui', '--port', String(randomPort())],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`the demo did not start: ${stderr}`)), 30_000);
    child.stderr!.on('data', (d) => {
      stderr += d;
      const m = /the proxy listens on 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.on('exit', (code) => reject(new Error(`the demo exited (${code}): ${stderr}`)));
  });
}

describeWithTmux('pop3scope client in a terminal', () => {
  let term: Terminal | null = null;
  let demo: ChildProcess | null = null;
  afterEach(() => {
    term?.close();
    term = null;
    demo?.kill();
    demo = null;
  });

  for (const TERM of ['xterm-256color', 'tmux-256color']) {
    it(`TERM=${TERM}: Tab completion by phase, a masked password, the walkthrough ends on screen`, {
      timeout: 90_000,
    }, async () => {
      const started = await startDemo();
      demo = started.child;
      const t = new Terminal(100, 45);
      term = t;
      const typeText = (text: string) => t.tmux('send-keys', '-t', 'ui', '-l', text);
      t.type(
        `env -u LC_ALL -u LC_CTYPE TERM=${TERM} LANG=C.UTF-8 node --import tsx src/cli/main.ts client 127.0.0.1:${started.port}; echo "EXITED:$?"`,
      );
      await t.waitFor((s) => /^AUTHORIZATION> $/m.test(s) || /^AUTHORIZATION>$/m.test(s));

      // "us" + Tab: the only AUTHORIZATION command starting so is USER.
      typeText('us');
      t.press('Tab');
      await t.waitFor((s) => /^AUTHORIZATION> USER\s*$/m.test(s));
      typeText('bob');
      t.press('Enter');
      await t.waitFor((s) => s.includes('+OK send PASS'));

      // The password shows as * while it is typed, and stays so after Enter.
      typeText('pass hungry');
      const typing = await t.waitFor((s) => /^AUTHORIZATION> pass \*{6}\s*$/m.test(s));
      expect(typing).not.toContain('hungry');
      t.press('Enter');
      await t.waitFor((s) => /^TRANSACTION>\s*$/m.test(s));

      // The history keeps the PASS line masked: Up brings back `pass ******`, not the password.
      t.press('Up');
      await t.waitFor((s) => /^TRANSACTION> pass \*{6}\s*$/m.test(s));
      t.press('C-u');
      await t.waitFor((s) => /^TRANSACTION>\s*$/m.test(s));

      // Tab, Tab (two key presses, as a person makes them) lists the TRANSACTION commands, not USER.
      t.press('Tab');
      await pause(300);
      t.press('Tab');
      const listed = await t.waitFor((s) => /STAT/.test(s) && /RETR/.test(s) && /DELE/.test(s));
      const row = listed.split('\n').find((l) => l.includes('STAT') && l.includes('RETR'))!;
      expect(row).toContain('LIST');
      expect(row).not.toContain('USER');
      expect(row).not.toContain('PASS');

      t.type('list');
      await t.waitFor((s) => /^2 912$/m.test(s) && /^1 498$/m.test(s));
      t.type('retr 1');
      await t.waitFor((s) => s.includes('Subject: Lunch on Friday?') && /498 octets in 16 lines/.test(s));
      t.type('dele 1');
      await t.waitFor((s) => s.includes('+OK message 1 marked for deletion'));
      t.type('quit');
      const end = await t.waitFor((s) => /EXITED:\d+/.test(s));
      expect(end).toMatch(/\+OK pop3scope signing off/);
      expect(end).toMatch(/^connection closed by the server\s*$/m);
      expect(end).toContain('EXITED:0');
      // Nothing of the password anywhere in the terminal's history.
      const all = t.tmux('capture-pane', '-t', 'ui', '-p', '-S', '-');
      expect(all).toMatch(/pass \*{6}/);
      expect(all).not.toContain('hungry');
    });
  }
});
