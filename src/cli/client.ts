/**
 * `pop3scope client [HOST:PORT]`: a line client that replaces telnet for POP3 (macOS ships none, Windows has it
 * off, and `nc` keeps the connection open after QUIT). The sans-IO core (client/core.ts) says what to show, the
 * phase, Tab's candidates and the masked echo; this file is the socket, TLS and readline around it.
 */
import { readFile, stat } from 'node:fs/promises';
import type net from 'node:net';
import readline from 'node:readline';
import type tls from 'node:tls';
import type { Command } from 'commander';
import { ClientCore, type Ending, type Shown } from '../client/core.js';
import { layout } from '../client/display.js';
import { MAX_QUEUED_LINES, MAX_SCRIPT_BYTES, QUIT_CLOSE_GRACE_MS } from '../client/limits.js';
import { type Style, styleFor, wantColour } from '../render/style.js';
import { caFiles } from '../tls/caFiles.js';
import { showHostPort } from './address.js';
import {
  connect,
  DEMO_ADDRESS,
  type Target,
  targetOf,
  tlsNote,
  tlsOptions,
  upgrade,
} from './clientConnect.js';
import { CliError } from './errors.js';
import { lineEditor } from './lineEditor.js';
import { milliseconds, parsedOption } from './parsers.js';

interface ClientOptions {
  tls?: boolean;
  stls?: boolean;
  ca?: string;
  insecure?: boolean;
  /** --explain / --no-explain; undefined: on when the server is pop3scope's (see --help). */
  explain?: boolean;
  script?: string;
  /** Milliseconds between script lines. */
  pace: number;
  color?: boolean;
}

/** A line waiting to be sent: typed, piped or from --script; `echo` when it is not on the screen already. */
interface Queued {
  readonly text: string;
  readonly echo: boolean;
  readonly paced: boolean;
}

/** The lines of a --script file: one command a line, `#` comments and blank lines skipped. */
export function scriptLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
}

async function readScript(path: string): Promise<string[]> {
  try {
    if ((await stat(path)).size > MAX_SCRIPT_BYTES)
      throw new CliError(`--script ${path} is over ${MAX_SCRIPT_BYTES} octets; a dialogue is a few lines`);
    return scriptLines(await readFile(path, 'utf8'));
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(
      `cannot read --script ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

/** One session: the socket, the core and readline, until the connection ends; resolves with the exit status. */
class LineClient {
  private readonly out = process.stdout;
  private readonly terminal = Boolean(process.stdin.isTTY);
  private readonly rl: readline.Interface;
  private readonly queue: Queued[] = [];
  private readonly style: Style;
  private stream: net.Socket | tls.TLSSocket;
  private pacing: NodeJS.Timeout | null = null;
  private graceTimer: NodeJS.Timeout | null = null;
  private inputOver = false;
  private closingWhy: { note: string; status: number } | null = null;
  private finished = false;
  private lastError: Error | null = null;
  private resolve!: (status: number) => void;
  readonly done = new Promise<number>((r) => {
    this.resolve = r;
  });

  constructor(
    private readonly core: ClientCore,
    socket: net.Socket | tls.TLSSocket,
    private readonly target: Target,
    private readonly o: ClientOptions,
    private readonly secure: tls.ConnectionOptions | null,
    script: readonly string[],
  ) {
    this.style = styleFor(wantColour(o.color, this.out));
    this.stream = socket;
    this.rl = lineEditor({ input: process.stdin, output: this.out, terminal: this.terminal, typing: core });
    this.rl.on('line', (text) => this.typed(text));
    this.rl.on('close', () => {
      this.inputOver = true;
      this.pump();
    });
    this.rl.on('SIGINT', () =>
      this.closeByClient('interrupted: closing the connection without QUIT (nothing marked is removed)', 130),
    );
    if (o.stls) this.queue.push({ text: 'STLS', echo: true, paced: false });
    for (const text of script) this.queue.push({ text, echo: true, paced: true });
    this.attach(socket);
    this.note(
      `connected to ${showHostPort(target)}${this.secure && o.tls ? ` (${tlsNote(socket as tls.TLSSocket, Boolean(o.insecure))})` : ''}`,
    );
    if (this.terminal) this.note('Tab completes the commands of the current phase; QUIT ends the session.');
  }

  private attach(stream: net.Socket | tls.TLSSocket): void {
    this.stream = stream;
    stream.on('data', (chunk: Buffer) => this.received(chunk));
    stream.on('error', (e) => {
      this.lastError = e;
    });
    stream.on('close', () => this.finish());
  }

  private received(chunk: Buffer): void {
    this.show(this.core.fromServer(chunk, Date.now()));
    if (this.core.upgradePending) {
      void this.startTls();
      return;
    }
    if (this.o.stls && this.core.stlsAnswer === '-ERR') {
      this.closeByClient('the server refused STLS: closing rather than log in without TLS (--stls)', 1);
      return;
    }
    if (this.core.quitDone && !this.graceTimer) {
      // RFC 1939 §6: the server closes after QUIT; one that does not is closed here, so the session ends on screen.
      this.graceTimer = setTimeout(
        () => this.closeByClient('the server answered QUIT but kept the connection open: closing it', 0),
        QUIT_CLOSE_GRACE_MS,
      );
      this.graceTimer.unref();
    }
    this.pump();
  }

  private async startTls(): Promise<void> {
    const raw = this.stream;
    raw.removeAllListeners('data');
    raw.pause();
    try {
      const secure = await upgrade(
        raw as net.Socket,
        this.target,
        this.secure ?? (await tlsOptions(this.target, this.o)),
      );
      raw.removeAllListeners('close');
      this.attach(secure);
      this.show(this.core.tlsStarted({ how: 'stls', visibility: 'decrypted' }, Date.now()));
      this.note(tlsNote(secure, Boolean(this.o.insecure)));
      this.pump();
    } catch (e) {
      this.fail(e instanceof CliError ? e : new CliError(String(e)));
    }
  }

  private typed(text: string): void {
    this.queue.push({ text, echo: !this.terminal, paced: false });
    // Piped input faster than the server answers waits in the queue; past its bound, reading stops a while.
    if (!this.terminal && this.queue.length >= MAX_QUEUED_LINES) this.rl.pause();
    this.pump();
  }

  /** Sends queued lines while the server has answered everything before them. */
  private pump(): void {
    if (this.finished || this.closingWhy || this.pacing) return;
    while (this.core.ready && this.queue.length > 0) {
      const next = this.queue[0]!;
      if (next.paced && this.o.pace > 0) {
        this.pacing = setTimeout(() => {
          this.pacing = null;
          this.queue[0] = { ...next, paced: false };
          this.pump();
        }, this.o.pace);
        return;
      }
      this.queue.shift();
      if (!this.terminal && this.queue.length < MAX_QUEUED_LINES / 2) this.rl.resume();
      if (next.text === '') continue; // an empty line is no command; telnet would send it, nothing answers it
      const prompt = this.core.prompt();
      const sent = this.core.send(next.text, Date.now());
      this.stream.write(sent.wire);
      if (next.echo) this.print([this.style.client(prompt + sent.echo)]);
      this.show(sent.shown);
    }
    if (this.inputOver && this.queue.length === 0 && this.core.ready) {
      this.closeByClient('input ended before QUIT: closing the connection (nothing marked is removed)', 0);
      return;
    }
    this.redraw();
  }

  private show(items: readonly Shown[]): void {
    const width = this.out.isTTY ? (this.out.columns ?? 80) - 1 : 0;
    this.print(items.flatMap((item) => layout(item, width).map((line) => this.paint(item.kind, line))));
  }

  private paint(kind: Shown['kind'], line: string): string {
    if (kind === 'server') return this.style.server(line);
    if (kind === 'explain') return this.style.dim(line);
    if (kind === 'violation') return this.style.warn(line);
    return this.style.bold(line);
  }

  private note(text: string): void {
    this.print([this.style.bold(text)]);
  }

  /** Writes lines above the prompt (readline's line is redrawn after them); a slow stdout pauses the socket. */
  private print(lines: readonly string[]): void {
    if (lines.length === 0) return;
    if (this.terminal) {
      readline.cursorTo(this.out, 0);
      readline.clearLine(this.out, 0);
    }
    if (!this.out.write(`${lines.join('\n')}\n`) && !this.finished) {
      const stream = this.stream;
      stream.pause();
      this.out.once('drain', () => stream.resume());
    }
    this.redraw();
  }

  /** The prompt shows when the next line may go; a line typed ahead stays on screen either way. */
  private redraw(): void {
    if (!this.terminal || this.finished) return;
    this.rl.setPrompt(this.core.ready ? this.core.prompt() : '');
    this.rl.prompt(true);
  }

  private closeByClient(why: string, status: number): void {
    if (this.finished || this.closingWhy) return;
    this.closingWhy = { note: why, status };
    this.stream.destroy();
  }

  private finish(): void {
    if (this.finished) return;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    if (this.pacing) clearTimeout(this.pacing);
    const { shown, ending } = this.core.close(Date.now(), this.closingWhy ? 'client' : 'server');
    this.show(shown);
    this.finished = true;
    const [text, status] = this.ending(ending);
    this.print([this.style.bold(text)]);
    this.rl.close();
    this.resolve(status);
  }

  private ending(ending: Ending): [string, number] {
    if (ending === 'quit') return ['connection closed by the server', 0];
    if (ending === 'dropped') {
      const why = this.lastError ? ` (${this.lastError.message})` : '';
      return [`connection closed by the server before QUIT was answered${why}`, 1];
    }
    return [this.closingWhy?.note ?? 'connection closed', this.closingWhy?.status ?? 0];
  }

  private fail(error: CliError): void {
    if (this.finished) return;
    this.finished = true;
    this.stream.destroy();
    this.rl.close();
    process.stderr.write(`pop3scope: ${error.message}\n`);
    this.resolve(error.exitCode);
  }
}

async function runClient(address: string | undefined, o: ClientOptions): Promise<void> {
  if (o.tls && o.stls) throw new CliError('give --tls (TLS from the start) or --stls (upgrade), not both');
  if (o.ca && o.insecure) throw new CliError('give --ca FILE or --insecure, not both');
  const target = targetOf(address);
  const script = o.script ? await readScript(o.script) : [];
  const secure = o.tls || o.stls || o.ca || o.insecure ? await tlsOptions(target, o) : null;
  const socket = await connect(target, o.tls ? secure : null);
  const core = new ClientCore(
    { explain: o.explain ?? 'auto', demo: target.demo, implicitTls: o.tls },
    Date.now(),
  );
  const status = await new LineClient(core, socket, target, o, secure, script).done;
  if (status !== 0) throw new CliError('', status);
}

export function registerClient(program: Command): void {
  program
    .command('client')
    .description('a line client for POP3 (instead of telnet): Tab completion, masked password, explanations')
    .argument(
      '[host:port]',
      `the server; default ${showHostPort(DEMO_ADDRESS)}, where \`pop3scope demo\` listens`,
    )
    .option('--tls', 'TLS from the first byte (POP3S, usually port 995)')
    .option('--stls', 'send STLS after the greeting and continue in TLS (or close, if the server refuses)')
    .option('--ca <file>', "trust only this CA (PEM) for TLS, instead of the system's and pop3scope's own")
    .option('--insecure', "do not check the server's TLS certificate (debugging only)")
    .option('--explain', 'explain each response (the default when the greeting names pop3scope)')
    .option('--no-explain', 'show only what the server sends')
    .option('--script <file>', 'type this dialogue first: one command a line, # comments (then read stdin)')
    .addOption(parsedOption('--pace <ms>', 'pause before each --script line', milliseconds, 1000))
    .option('--color', 'colour the output even when stdout is not a terminal')
    .option('--no-color', 'never colour the output (NO_COLOR=1 too)')
    .addHelpText(
      'after',
      `
Without HOST:PORT it connects to ${showHostPort(DEMO_ADDRESS)}, the demo's proxy. The demo takes the next free
port when 1110 is busy and says so when it starts: then give that address.
Lines go out with CRLF once the server has answered the one before; a multi-line answer shows up to its ".".
Tab completes the commands valid in the phase the prompt shows (Tab Tab lists them). The password after PASS,
APOP's digest, AUTH's initial response and SASL responses are shown as * while typed and kept masked in the
history, which lives in memory only. Explanations (the dashboard's words) are on when the greeting names
pop3scope (the demo, pop3scope serve) or without HOST:PORT; --explain / --no-explain decide otherwise.
TLS trusts the system's CAs and pop3scope's own (${caFiles().certPath}), so \`demo --tls\` works as it is.
Piped stdin is read line by line, without prompts. The session ends when the server closes after QUIT (exit
0); a server that closes before (exit 1), bad flags or no server there (exit 2) say so in one line.

Examples:
  pop3scope client                              the demo: user bob, pass hungry, list, retr 1, dele 1, quit
  pop3scope client 127.0.0.1:1111               the demo on the port it said it took
  pop3scope client --stls                       the demo run with --tls: upgrade, then log in
  pop3scope client --script lesson.txt --pace 1500   type a prepared dialogue for the class
  printf 'user bob\\npass hungry\\nstat\\nquit\\n' | pop3scope client
  pop3scope client --tls --no-explain pop.example.org:995`,
    )
    .action(async (address: string | undefined, o: ClientOptions) => runClient(address, o));
}
