/**
 * When the demo's last session is really over: closed on the proxy (its summary shown) and on the server (its
 * maildrop lock released, UPDATE done). The next of Bob's machines logs in only then, so it never meets
 * [IN-USE] from the session before, and the story's note follows that session's transcript.
 */
import type { ProxySink } from '../events.js';
import { pause } from './player.js';

/** How often the session counts are looked at while a session winds down, in milliseconds. */
const POLL_MS = 10;
/** How long a session may take to wind down before the player goes on anyway, in milliseconds. */
const MAX_SETTLE_MS = 5000;

export class SessionsSettled implements ProxySink {
  private live = 0;

  /** `serverSessions`: the embedded server's open sessions (RunningServer.sessionCount). */
  constructor(private readonly serverSessions: () => number) {}

  open(): void {
    this.live++;
  }

  close(): void {
    this.live = Math.max(0, this.live - 1);
  }

  /** Resolves once no session is open on the proxy nor on the server (or after MAX_SETTLE_MS). */
  async settled(): Promise<void> {
    const until = Date.now() + MAX_SETTLE_MS;
    while ((this.live > 0 || this.serverSessions() > 0) && Date.now() < until) await pause(POLL_MS);
  }
}
