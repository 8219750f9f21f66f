/**
 * Driving pop3scope in a real terminal: a private tmux server (its own socket, no user config) with one
 * window of a given size, keys sent as a person would type them, the screen read back with capture-pane.
 *
 * Without tmux the suites are skipped with a loud note on stderr — but under CI (CI=true) a missing tmux is
 * a failure, so a broken install step cannot turn these tests into silent skips. Install: apt-get install -y
 * tmux (.ci/install-peers does it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

// POP3SCOPE_PRETEND_MISSING=tmux (or "all") exercises the skip/fail path, as for the real peers.
const pretend = (process.env.POP3SCOPE_PRETEND_MISSING ?? '').split(',').map((x) => x.trim());
export const HAS_TMUX =
  !pretend.includes('tmux') &&
  !pretend.includes('all') &&
  spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;

/** `describe` when tmux is there; otherwise a loud skip, or under CI a failing test. */
export function describeWithTmux(name: string, body: () => void): void {
  if (HAS_TMUX) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs tmux, which CI must have installed (.ci/install-peers)', () => {
        throw new Error(
          'tmux is missing: the terminal tests cannot run (apt-get install -y tmux, or sudo .ci/install-peers)',
        );
      });
    });
    return;
  }
  process.stderr.write(`\n*** SKIPPED "${name}": tmux is not installed (apt-get install -y tmux) ***\n\n`);
  describe.skip(name, body);
}

export class Terminal {
  private readonly socket = `pop3scope-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly target = 'ui';

  constructor(cols: number, rows: number) {
    // A plain shell with a prompt we can recognise; tmux's own TERM inside is overridden per command.
    this.tmux(
      'new-session',
      '-d',
      '-s',
      this.target,
      '-x',
      String(cols),
      '-y',
      String(rows),
      '-c',
      ROOT,
      'env',
      'PS1=READY$ ',
      'bash',
      '--norc',
      '--noprofile',
    );
    this.tmux('set-option', '-t', this.target, 'status', 'off');
  }

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], {
      encoding: 'utf8',
      timeout: 10_000,
    });
  }

  /** Types a line and presses Enter. */
  type(line: string): void {
    this.tmux('send-keys', '-t', this.target, '-l', line);
    this.tmux('send-keys', '-t', this.target, 'Enter');
  }

  /** Presses keys by tmux name (q, Space, Tab, Enter, Escape, Down, ...). */
  press(...keys: string[]): void {
    for (const k of keys) this.tmux('send-keys', '-t', this.target, k);
  }

  resize(cols: number, rows: number): void {
    this.tmux('resize-window', '-t', this.target, '-x', String(cols), '-y', String(rows));
  }

  /** The screen as text, one string per row. */
  screen(): string[] {
    return this.tmux('capture-pane', '-t', this.target, '-p').replace(/\n$/, '').split('\n');
  }

  /** The screen with its attributes as escape sequences (capture-pane -e): colours, bold, inverse. */
  screenWithEscapes(): string {
    return this.tmux('capture-pane', '-t', this.target, '-p', '-e');
  }

  /** A pane property: alternate_on, cursor_flag, pane_width, ... */
  property(name: string): string {
    return this.tmux('display-message', '-t', this.target, '-p', `#{${name}}`).trim();
  }

  /** Waits until the screen satisfies `test`; returns it, or throws with the last screen. */
  async waitFor(test: (screen: string) => boolean, timeoutMs = 20_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < until) {
      last = this.screen().join('\n');
      if (test(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the screen never got there; it shows:\n${last}`);
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}

/** The command line that runs the CLI from source in the terminal, as the brief's terminal would. */
export function cli(args: string): string {
  return `TERM=xterm-256color NCURSES_NO_UTF8_ACS=1 node --import tsx src/cli/main.ts ${args}; echo "EXITED:$?"`;
}
