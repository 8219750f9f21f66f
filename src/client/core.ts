/**
 * The line client without I/O (`pop3scope client`): server bytes in, what to show out; typed lines in, bytes to
 * send out. The engine itself (analysis/Inspector, fed both directions) says the phase, when a response is
 * complete, what it means (Transaction.explain: the dashboard's words) and what broke the rules; this file only
 * decides what the person at the keyboard sees and when the next typed line may go. cli/client.ts does the
 * socket, TLS and readline.
 */
import { Inspector } from '../analysis/inspector.js';
import type { CommandInfo, EngineEvent, Phase, TlsInfo } from '../analysis/types.js';
import { lookupCommand } from '../protocol/commands.js';
import { parseStatusLine } from '../protocol/response.js';
import { ServerLines } from './serverLines.js';
import { completions, maskTyped } from './typing.js';

/** One thing to show, in order. */
export type Shown =
  /** A line the server sent, as received (control characters escaped). */
  | { readonly kind: 'server'; readonly text: string }
  /** What the engine says a finished response means (a phase change is in it, and in the prompt). */
  | { readonly kind: 'explain'; readonly text: string }
  /** A rule the engine saw broken (by either side). */
  | { readonly kind: 'violation'; readonly text: string }
  /** What the client itself has to say (TLS, the end of the connection). */
  | { readonly kind: 'note'; readonly text: string };

export interface ClientCoreOptions {
  /** --explain / --no-explain; 'auto' decides at the greeting (see `explaining`). */
  readonly explain: boolean | 'auto';
  /** The client was pointed at the demo's default address: explanations on under 'auto'. */
  readonly demo?: boolean;
  /** The connection is TLS from the first byte (--tls). */
  readonly implicitTls?: boolean;
}

/** How the session ended. */
export type Ending =
  /** The server answered QUIT and closed the connection, as RFC 1939 §6 says. */
  | 'quit'
  /** The server closed the connection before QUIT was answered. */
  | 'dropped'
  /** The client closed it (input ended, Ctrl-C, or a server that did not close after QUIT). */
  | 'client';

/** A greeting that names pop3scope: its embedded server (demo or serve), directly or through the proxy. */
const POP3SCOPE_GREETING = /\bpop3scope\b/i;

export class ClientCore {
  private readonly inspector: Inspector;
  private readonly lines = new ServerLines();
  /** Commands the engine saw go out whose response is not complete yet, oldest first. */
  private readonly outstanding: CommandInfo[] = [];
  private greeted = false;
  private explainOn: boolean | null;
  /** The server's last line was a SASL challenge ("+ ") that the next typed line answers. */
  private challenged = false;
  private quitAnswered = false;
  private upgrade = false;
  private stls: '+OK' | '-ERR' | null = null;
  private over = false;

  constructor(
    private readonly options: ClientCoreOptions,
    t = 0,
  ) {
    this.inspector = new Inspector('client', { tls: options.implicitTls ? 'implicit' : 'none' }, t);
    this.explainOn = options.explain === 'auto' ? null : options.explain;
  }

  /** The phase the engine says the session is in (null before the greeting). */
  get phase(): Phase | null {
    return this.inspector.phase;
  }

  /** Whether explanations are shown: as asked, or under 'auto' once the greeting is in. */
  get explaining(): boolean {
    return this.explainOn ?? false;
  }

  /** The next typed line answers a SASL challenge: it is masked whole, and Tab offers nothing. */
  get saslResponse(): boolean {
    return this.challenged;
  }

  /**
   * The next line may be sent: the greeting is in and every command sent got its whole answer (or the server
   * asked for a SASL response). Lines typed before are queued by the driver, so the transcript reads in order.
   */
  get ready(): boolean {
    return (
      this.greeted &&
      !this.over &&
      !this.upgrade &&
      !this.quitAnswered &&
      (this.outstanding.length === 0 || this.challenged)
    );
  }

  /** The server accepted STLS: the driver must start TLS now (reading no more cleartext), then call tlsStarted. */
  get upgradePending(): boolean {
    return this.upgrade;
  }

  /** How the server answered the last STLS (null: none sent, or no status). */
  get stlsAnswer(): '+OK' | '-ERR' | null {
    return this.stls;
  }

  /** QUIT was answered: the server should close the connection now. */
  get quitDone(): boolean {
    return this.quitAnswered;
  }

  /** The prompt readline shows: the phase, so the class sees where the session is. */
  prompt(): string {
    if (this.challenged) return 'SASL response> ';
    return `${this.phase ?? 'connecting'}> `;
  }

  /** The typed line as it is echoed and kept in history: its secret masked. */
  mask(line: string): string {
    return maskTyped(line, this.challenged);
  }

  /** Tab's candidates for the line typed so far (readline's completer). */
  complete(line: string): [string[], string] {
    return completions(line, this.phase, this.challenged);
  }

  /** Takes the server's bytes; returns what to show. Bytes after an accepted STLS are not read (TLS follows). */
  fromServer(chunk: Uint8Array, t: number): Shown[] {
    const out: Shown[] = [];
    if (this.over || this.upgrade) return out;
    for (const line of this.lines.push(chunk)) {
      this.serverLine(line.bytes, line.text, t, out);
      if (this.upgrade) break;
    }
    return out;
  }

  /** A typed line (without its line end): the bytes to send, CRLF added (RFC 1939 §3), and its masked echo. */
  send(line: string, t: number): { readonly wire: Buffer; readonly echo: string; readonly shown: Shown[] } {
    const echo = this.mask(line);
    this.challenged = false;
    const wire = Buffer.from(`${line}\r\n`, 'utf8');
    const shown: Shown[] = [];
    for (const e of this.inspector.receive('c2s', wire, t)) this.event(e, shown);
    return { wire, echo, shown };
  }

  /** TLS is up (STLS accepted, handshake done): the engine reads the decrypted stream from here on. */
  tlsStarted(info: TlsInfo, t: number): Shown[] {
    this.upgrade = false;
    const shown: Shown[] = [];
    for (const e of this.inspector.tls(info, t)) this.event(e, shown);
    return shown;
  }

  /** The connection ended (`by` whom); returns the last things to show and how the session ended. */
  close(t: number, by: 'server' | 'client'): { readonly shown: Shown[]; readonly ending: Ending } {
    const shown: Shown[] = [];
    if (this.over) return { shown, ending: 'client' };
    const rest = this.lines.flush();
    if (rest && !this.upgrade) this.serverLine(rest.bytes, rest.text, t, shown);
    this.over = true;
    for (const e of this.inspector.close(t, by, null)) this.event(e, shown);
    const ending: Ending = by === 'client' ? 'client' : this.quitAnswered ? 'quit' : 'dropped';
    return { shown, ending };
  }

  private serverLine(bytes: Buffer, text: string, t: number, out: Shown[]): void {
    out.push({ kind: 'server', text });
    // A "+ " line answering an open AUTH exchange is a challenge: the client's next line is its response.
    const oldest = this.outstanding[0];
    this.challenged = oldest?.verb === 'AUTH' && parseStatusLine(text).continuation;
    for (const e of this.inspector.receive('s2c', bytes, t)) this.event(e, out);
  }

  private event(e: EngineEvent, out: Shown[]): void {
    switch (e.type) {
      case 'command':
        this.outstanding.push(e.command);
        return;
      case 'transaction': {
        const tx = e.tx;
        if (tx.command) this.outstanding.shift();
        else if (!this.greeted) {
          this.greeted = true;
          if (this.explainOn === null)
            this.explainOn =
              (this.options.demo ?? false) ||
              (tx.response.status === '+OK' && POP3SCOPE_GREETING.test(tx.response.text));
        }
        this.challenged = false;
        const spec = tx.command ? lookupCommand(tx.command.verb) : undefined;
        if (spec?.ends && tx.response.complete) this.quitAnswered = true;
        if (spec?.verb === 'STLS') {
          this.stls = tx.response.status;
          if (this.stls === '+OK') this.upgrade = true;
        }
        if (this.explaining && tx.explain) out.push({ kind: 'explain', text: tx.explain });
        for (const v of tx.violations) out.push({ kind: 'violation', text: `${v.code}: ${v.message}` });
        return;
      }
      case 'violation':
        out.push({ kind: 'violation', text: `${e.violation.code}: ${e.violation.message}` });
        return;
      default:
        return;
    }
  }
}
