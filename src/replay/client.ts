/**
 * Client replay, sans-IO: plays a recorded client against a new server. Bytes from the server go in; the
 * lines to send come out, credentials rebuilt (credentials.ts). The new session runs through its own
 * Inspector (with body digests), which tells when each response has ended: commands go out lock-step, or
 * back to back where the recording pipelined them (`command.pipelined`). AUTH and APOP always wait for
 * everything before them: AUTH is lock-step (RFC 5034 §4), and APOP needs the greeting's timestamp. Commands a
 * recorded client sent before the greeting are sent once it has come. Where the recorded session upgraded with
 * STLS, nothing follows STLS until the caller has done TLS (`startTls`, then `tlsStarted`); a server that
 * refuses STLS ends the replay, so that nothing recorded inside TLS is ever sent in cleartext.
 */
import { Inspector } from '../analysis/inspector.js';
import type { EngineEvent } from '../analysis/types.js';
import { LineBuffer } from '../protocol/lineBuffer.js';
import { decodeBase64 } from '../protocol/redact.js';
import type { TlsFacts } from '../protocol/types.js';
import { CredentialError, type Credentials, commandLine, saslAnswer } from './credentials.js';
import { content } from './matcher.js';
import { isChallenge, type RecordedSession, type ScriptStep } from './script.js';

export interface PlayerOutput {
  /** Bytes to write now, in one write (what the player sends at one moment went out together). */
  readonly send: Buffer | null;
  /** The new session's events so far (data events carry masked bytes only). */
  readonly events: EngineEvent[];
  /** Why the replay cannot go on (then the caller closes the connection), or null. */
  readonly problem: string | null;
  /** The server accepted STLS: do the TLS handshake now, then call `tlsStarted`. */
  readonly startTls: boolean;
}

export class ClientPlayer {
  readonly inspector: Inspector;
  private next = 0;
  private outstanding = 0;
  private greeting: string | null = null;
  /** The AUTH exchange in progress: challenges seen so far, and the server's lines. */
  private sasl: { step: ScriptStep; answered: number; lines: LineBuffer; over: boolean } | null = null;
  private problem: string | null = null;
  /** STLS was sent (or accepted): nothing more goes until TLS has started. */
  private stls: 'sent' | 'accepted' | null = null;

  constructor(
    readonly session: RecordedSession,
    id: string,
    private readonly creds: Credentials,
    open: { client: string; upstream: string },
    t: number,
  ) {
    this.inspector = new Inspector(id, { client: open.client, upstream: open.upstream, digests: true }, t);
  }

  /** The greeting came (or the recorded server sent none), every command was sent and answered — or it had to stop. */
  get done(): boolean {
    return (
      this.problem !== null ||
      (this.greeted &&
        this.next === this.session.steps.length &&
        this.outstanding === 0 &&
        this.sasl === null &&
        this.stls === null)
    );
  }

  /** Whether commands may go: the greeting came, or the recorded server never sent one (nothing to wait for). */
  private get greeted(): boolean {
    return this.greeting !== null || this.session.greetingTx === null;
  }

  /** Commands sent so far. */
  get sent(): number {
    return this.next;
  }

  /** The connection is up: sends what needs no greeting (only when the recorded server sent none). */
  start(t: number): PlayerOutput {
    const out: Buffer[] = [];
    this.pump(out);
    return this.output(out, [], t);
  }

  /** Bytes from the server. */
  receive(chunk: Buffer, t: number): PlayerOutput {
    const events = this.inspector.receive('s2c', chunk, t);
    const out: Buffer[] = [];
    if (this.sasl && !this.sasl.over) this.challenges(chunk, out);
    for (const e of events) {
      if (e.type !== 'transaction') continue;
      if (e.tx.command === null && e.tx.seq === 0) this.greeting = e.tx.response.text;
      if (e.tx.command === null) continue;
      this.outstanding--;
      if (this.sasl && e.tx.command.verb === 'AUTH') this.sasl = null;
      if (this.stls === 'sent' && e.tx.command.verb === 'STLS') {
        if (e.tx.response.status === '+OK') this.stls = 'accepted';
        else {
          this.problem = `the server refused STLS (${e.tx.response.status ?? 'no status'} ${e.tx.response.text}): the rest of the recording was inside TLS and is not sent in cleartext`;
          this.stls = null;
        }
      }
    }
    this.pump(out);
    return this.output(out, events, t);
  }

  /** TLS with the server is up after STLS: the rest of the recording goes inside it. */
  tlsStarted(t: number, facts: TlsFacts = {}): PlayerOutput {
    this.stls = null;
    const events = this.inspector.tls({ how: 'stls', visibility: 'decrypted', ...facts }, t);
    const out: Buffer[] = [];
    this.pump(out);
    return this.output(out, events, t);
  }

  /** The connection ended: the new session's last events, summary last. */
  close(t: number, by: string, reason: string): EngineEvent[] {
    return this.inspector.close(t, by, reason);
  }

  /** Sends every command that may go now. */
  private pump(out: Buffer[]): void {
    const steps = this.session.steps;
    while (
      this.problem === null &&
      this.greeted &&
      this.sasl === null &&
      this.stls === null &&
      this.next < steps.length
    ) {
      const step = steps[this.next]!;
      const verb = step.tx.command!.verb;
      const lockStep = verb === 'AUTH' || verb === 'APOP' || step.startsTls || !step.tx.command!.pipelined;
      if (this.outstanding > 0 && lockStep) return;
      let line: Buffer;
      try {
        line = commandLine(step, this.creds, this.greeting ?? '');
      } catch (error) {
        if (!(error instanceof CredentialError)) throw error;
        this.problem = `${step.tx.command!.line} (#${step.index}): ${error.message}`;
        return;
      }
      out.push(line);
      this.next++;
      this.outstanding++;
      if (verb === 'AUTH' && step.tx.sasl)
        this.sasl = { step, answered: 0, lines: new LineBuffer(), over: false };
      if (step.startsTls) this.stls = 'sent';
    }
  }

  /** Inside AUTH: answers each challenge line; the first other line is the final status. */
  private challenges(chunk: Buffer, out: Buffer[]): void {
    const sasl = this.sasl!;
    let pos = 0;
    while (pos < chunk.length && !sasl.over) {
      const { end, line } = sasl.lines.push(chunk, pos);
      pos = end;
      if (!line) continue;
      if (!isChallenge(line.content)) {
        sasl.over = true;
        return;
      }
      const payload = content(line.content).subarray(2).toString('latin1');
      const challenge = decodeBase64(payload) ?? Buffer.alloc(0);
      try {
        out.push(saslAnswer(sasl.step, sasl.answered++, challenge, this.creds));
      } catch (error) {
        if (!(error instanceof CredentialError)) throw error;
        this.problem = `${sasl.step.tx.command!.line} (#${sasl.step.index}): ${error.message}`;
        return;
      }
    }
  }

  /** Feeds what is sent to the new session's engine (it masks the secrets in its events). */
  private output(out: Buffer[], events: EngineEvent[], t: number): PlayerOutput {
    const send = out.length === 0 ? null : out.length === 1 ? out[0]! : Buffer.concat(out);
    if (send) for (const item of this.inspector.receive('c2s', send, t)) events.push(item);
    return { send, events, problem: this.problem, startTls: this.stls === 'accepted' };
  }
}
