/**
 * The key a step-through waits for (demo --play --step): the dashboard's space or Enter on stdin presses it, the
 * built-in client waits for a press before each command. Presses that come before the wait count (piped Enters
 * arrive at once); `release()` (stdin ended: Ctrl-D) lets every wait after those through, so the rest plays at its
 * pace.
 * Also how a command is shown before it is sent: its secret masked the way the engine masks it.
 */
import { explainAsk } from '../analysis/explain.js';
import { showCommand } from '../protocol/clientLines.js';
import { maskInPlace } from '../protocol/redact.js';
import { secretStart } from '../protocol/secrecy.js';

export class StepKey {
  private banked = 0;
  private waiter: (() => void) | null = null;
  private released = false;

  press(): void {
    const waiter = this.waiter;
    this.waiter = null;
    if (waiter) waiter();
    else this.banked++;
  }

  /** No more waiting once the presses made are used: stdin ended, or the program stops. */
  release(): void {
    this.released = true;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  /** Still stepping: a press is banked, or a wait blocks until one. */
  get stepping(): boolean {
    return !this.released || this.banked > 0;
  }

  /** Resolves at the next press (at once for a press already made), or once released. */
  wait(): Promise<void> {
    if (this.banked > 0) {
      this.banked--;
      return Promise.resolve();
    }
    if (this.released) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }
}

/** A command about to be sent, as the class sees it first: the line masked ("PASS <redacted 6 octets>") and what it asks. */
export function upcoming(command: string): { readonly line: string; readonly ask: string } {
  const bytes = Buffer.from(command, 'latin1');
  const from = secretStart(bytes);
  if (from >= 0) maskInPlace(bytes, from);
  const shown = showCommand(bytes);
  return { line: shown.line, ask: explainAsk(shown) };
}
