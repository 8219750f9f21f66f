/**
 * When a client line that is not a known command may be a secret. Clients send credentials as bare lines in
 * more ways than the RFCs allow: the password after a failed or cancelled AUTH, a late SASL blob, the answer to
 * a server that prompts with "+ " after USER, base64 after a stray +OK ended an exchange early. So after a
 * login step or a continuation, until the server has answered a later, ordinary command ("clearly moved on"),
 * every client line that cannot be classified with confidence is masked. Better too much hidden than too
 * little. The decisions depend only on what masking keeps (verbs, server lines), so a capture replays alike.
 */

/** Client verbs after which a bare line may be a credential. */
const ARMING_VERBS: ReadonlySet<string> = new Set(['USER', 'PASS', 'APOP', 'AUTH']);

export class SecretGuard {
  /** The sequence number of the last command sent when the guard was armed; -1 when disarmed. */
  private armedAt = -1;

  /** True while bare client lines may be secrets. */
  get armed(): boolean {
    return this.armedAt >= 0;
  }

  /** A command was sent: a login verb arms the guard. */
  command(verb: string, seq: number): void {
    if (ARMING_VERBS.has(verb)) this.armedAt = Math.max(this.armedAt, seq);
  }

  /** The server sent a "+ " continuation outside a SASL exchange; `seq` is the last command sent. */
  continuation(seq: number): void {
    this.armedAt = Math.max(this.armedAt, seq);
  }

  /**
   * A transaction completed. The server has clearly moved on when it accepted PASS or APOP (a login that
   * cannot have been a misread exchange), or answered an ordinary command sent after the arming; a command
   * sent before it (pipelined ahead) shows nothing. AUTH's +OK does not count: a buggy server's stray +OK
   * inside an exchange looks just like it.
   */
  completed(verb: string | undefined, seq: number, status: string | null): void {
    if (this.armedAt < 0 || status === null || verb === undefined || seq < this.armedAt) return;
    if (verb === 'PASS' || verb === 'APOP' ? status === '+OK' : !ARMING_VERBS.has(verb) && seq > this.armedAt)
      this.armedAt = -1;
  }
}
