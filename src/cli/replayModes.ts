/**
 * The two peer replays of `pop3scope replay CAPTURE`: `--serve` plays the recorded server to a real client,
 * `--against HOST:PORT` plays the recorded client against a real server and compares the sessions. Without
 * either flag the timeline replay (replay.ts) runs. Everything that can be refused is refused before a socket
 * is opened or a password asked for, in one line (exit 2).
 */

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CaptureError } from '../capture/reader.js';
import { CaptureWriter } from '../capture/writer.js';
import { parsePlan } from '../faults/rules.js';
import { type FaultPlan, FaultRuleError, type Injector } from '../faults/types.js';
import { captureSink } from '../proxy/sinks/capture.js';
import { wantColour } from '../render/style.js';
import { playAgainst } from '../replay/against.js';
import { compareSessions, comparisonLines } from '../replay/compare.js';
import { type Credentials, needs } from '../replay/credentials.js';
import { type LoadedSession, loadSessions, ReplayError } from '../replay/load.js';
import type { MismatchPolicy } from '../replay/matcher.js';
import { promptPassword } from '../replay/prompt.js';
import type { RecordedSession } from '../replay/script.js';
import { ReplayServer, type ServedResult, type Timing } from '../replay/serve.js';
import { VERSION } from '../version.js';
import { counted } from '../words.js';
import { isLoopback, parseHostPort, showHostPort } from './address.js';
import { CliError } from './errors.js';
import { addFaultOptions, type FaultFlags, faultPlan, faultsLine, injectorFactory } from './faultOptions.js';
import { choiceOption } from './parsers.js';
import { autoNames, localCertificate } from './serve.js';
import { untilSignal } from './signals.js';
import { type TraceFlags, traceOptions } from './traceOptions.js';

/** Where `replay --serve` listens by default: beside the proxy (1110) and `serve` (2110). */
export const DEFAULT_REPLAY_LISTEN = '127.0.0.1:3110';

export interface ReplayModeOptions extends TraceFlags, FaultFlags {
  serve?: boolean;
  listen?: string;
  session?: string;
  /** Checked by commander (parsers.ts). */
  timing?: Timing;
  onMismatch?: MismatchPolicy;
  once?: boolean;
  against?: string;
  user?: string;
  passwordEnv?: string;
  upstreamTls?: boolean;
  upstreamCa?: string;
  capture?: string;
  allowDelete?: boolean;
  color?: boolean;
  step?: boolean;
}

const TIMINGS: readonly Timing[] = ['recorded', 'fast'];
const MISMATCH_POLICIES: readonly MismatchPolicy[] = ['error', 'close', 'seek'];

const SERVE_ONLY = [
  ['listen', '--listen'],
  ['timing', '--timing'],
  ['onMismatch', '--on-mismatch'],
  ['once', '--once'],
  ['fault', '--fault'],
  ['faults', '--faults'],
  ['seed', '--seed'],
] as const;
const AGAINST_ONLY = [
  ['user', '--user'],
  ['passwordEnv', '--password-env'],
  ['upstreamTls', '--upstream-tls'],
  ['upstreamCa', '--upstream-ca'],
  ['capture', '--capture'],
  ['allowDelete', '--allow-delete'],
] as const;

export function addReplayModeOptions(command: Command): Command {
  return addFaultOptions(command)
    .option('--serve', 'play the recorded SERVER to real clients, one replay per connection')
    .option('--listen <addr:port>', `with --serve: where clients connect (default ${DEFAULT_REPLAY_LISTEN})`)
    .addOption(
      choiceOption(
        '--timing <how>',
        'with --serve: recorded delays between chunks, or none (default recorded)',
        TIMINGS,
      ),
    )
    .addOption(
      choiceOption(
        '--on-mismatch <what>',
        'with --serve: when the client leaves the recording: answer -ERR, close, or seek ahead (default error)',
        MISMATCH_POLICIES,
      ),
    )
    .option(
      '--once',
      'with --serve: serve one connection, then exit 0 if the client followed the recording to the end, 1 if not',
    )
    .option(
      '--against <host:port>',
      'play the recorded CLIENT against this server and compare the new session with the recording',
    )
    .option('--user <name>', 'with --against: log in as this user instead of the recorded one')
    .option(
      '--password-env <var>',
      'with --against: the environment variable holding the password (default: asked on the terminal)',
    )
    .option('--upstream-tls', 'with --against: connect with implicit TLS (POP3S), verifying the certificate')
    .option(
      '--upstream-ca <file>',
      "with --against: trust this CA file for the server's certificate (with --upstream-tls, or after STLS)",
    )
    .option('--capture <file>', 'with --against: record the new sessions to this capture file')
    .option(
      '--allow-delete',
      'with --against: replay DELE (and the QUIT that commits it): deletes mail on that server',
    )
    .addHelpText(
      'after',
      `
Peer replays (docs/replay.md):
  pop3scope replay bug.jsonl --serve --listen 127.0.0.1:3110       a client developer reproduces a server bug
  pop3scope replay bug.jsonl --serve --once --timing fast && echo followed
  POP_PW=... pop3scope replay bug.jsonl --against 127.0.0.1:110 --password-env POP_PW --capture new.jsonl`,
    );
}

/** Runs --serve or --against; null when neither was asked for (the timeline replay runs instead). */
export async function runReplayMode(capture: string, options: ReplayModeOptions): Promise<number | null> {
  const o = options;
  const given = (list: readonly (readonly [keyof ReplayModeOptions, string])[]) =>
    list.filter(([k]) => o[k] !== undefined).map(([, flag]) => flag);
  if (o.serve && o.against !== undefined)
    throw new CliError('--serve and --against are two different replays: choose one');
  if (!o.serve && given(SERVE_ONLY).length) throw new CliError(`${given(SERVE_ONLY)[0]} needs --serve`);
  if (o.against === undefined && given(AGAINST_ONLY).length)
    throw new CliError(`${given(AGAINST_ONLY)[0]} needs --against HOST:PORT`);
  if (!o.serve && o.against === undefined) return null;
  if (o.step)
    throw new CliError(`--step belongs to the timeline replay, not to ${o.serve ? '--serve' : '--against'}`);
  return o.serve ? serve(capture, o) : against(capture, o);
}

const warn = (m: string) => process.stderr.write(`pop3scope: warning: ${m}\n`);

async function load(
  capture: string,
  session: string | undefined,
  flags: TraceFlags,
): Promise<LoadedSession[]> {
  const trace = await traceOptions(flags, warn);
  try {
    return await loadSessions(capture, session, warn, trace);
  } catch (error) {
    if (error instanceof ReplayError || error instanceof CaptureError) throw new CliError(error.message);
    throw error;
  }
}

const ids = (sessions: readonly RecordedSession[]) => sessions.map((s) => s.id).join(', ');

async function serve(capture: string, o: ReplayModeOptions): Promise<number> {
  const listen = parseHostPort(o.listen ?? DEFAULT_REPLAY_LISTEN, '--listen', '127.0.0.1');
  const timing = o.timing ?? 'recorded';
  const onMismatch = o.onMismatch ?? 'error';
  const sessions = await load(capture, o.session, o);
  if (o.once && sessions.length > 1) {
    throw new CliError(
      `--once serves one connection, but ${capture} holds ${sessions.length} sessions (${ids(sessions)}): choose one with --session`,
    );
  }
  const faults = await servedFaults(o, sessions);
  // A session that upgraded with STLS is served the same way: TLS with a certificate from pop3scope's CA.
  const stls = sessions.some((s) => s.stls) ? await localCertificate(autoNames(listen.host)) : null;
  const server = await ReplayServer.start({
    sessions,
    listen,
    timing,
    onMismatch,
    source: capture,
    out: process.stdout,
    colour: wantColour(o.color, process.stdout),
    once: Boolean(o.once),
    tls: stls?.tls,
    faults: faults.injector,
  }).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`cannot listen on ${showHostPort(listen)}: ${error.code ?? error.message}`);
  });
  const where = showHostPort(server.address());
  if (!isLoopback(listen.host))
    warn(
      `listening on ${where}, which other machines may reach; the recorded mail is served to anyone who connects`,
    );
  const what = sessions.length === 1 ? `session ${sessions[0]!.id}` : `sessions ${ids(sessions)} in turn`;
  process.stderr.write(
    `pop3scope replay: serving ${what} of ${capture} on ${where} (timing ${timing}, on mismatch ${onMismatch}${o.once ? ', one connection' : ''})\n`,
  );
  if (faults.line) process.stderr.write(`pop3scope replay: ${faults.line}\n`);
  if (stls)
    process.stderr.write(
      `pop3scope replay: STLS is answered with a certificate from pop3scope's CA; clients trust ${stls.caPath}\n`,
    );
  if (o.once) {
    const first = new Promise<ServedResult>((resolve) => {
      server.onServed = resolve;
    });
    const result = await Promise.race([first, untilSignal().then(() => null)]);
    await server.stop();
    if (!result) process.stderr.write('pop3scope replay: stopped before a client finished\n');
    return result?.followed ? 0 : 1;
  }
  await untilSignal();
  process.stderr.write('pop3scope replay: stopping\n');
  await server.stop();
  return 0;
}

/**
 * What `--serve` injects: the --fault/--faults rules when given (a run of their own, sessions counted as
 * served), else the faults each session was recorded under, again — same rules, same seed, the session's own
 * number in its run — so the client meets the same faults as when the capture was made.
 */
async function servedFaults(
  o: ReplayModeOptions,
  sessions: readonly LoadedSession[],
): Promise<{ injector: (n: number, s: RecordedSession) => Injector | null; line: string | null }> {
  const plan = await faultPlan(o);
  if (plan) {
    const make = injectorFactory(plan);
    return { injector: (n) => make(n), line: faultsLine(plan) };
  }
  const recorded = sessions.filter((s) => s.recordedFaults);
  if (recorded.length === 0) return { injector: () => null, line: null };
  const plans = new Map<LoadedSession, FaultPlan>();
  for (const s of recorded) {
    try {
      plans.set(s, parsePlan(s.recordedFaults!.faults.rules, s.recordedFaults!.faults.seed));
    } catch (error) {
      if (error instanceof FaultRuleError)
        throw new CliError(`the faults recorded with session ${s.id} cannot be read: ${error.message}`);
      throw error;
    }
  }
  return {
    injector: (_n, s) => {
      const plan = plans.get(s as LoadedSession);
      return plan ? injectorFactory(plan)((s as LoadedSession).recordedFaults!.nth) : null;
    },
    line: `injecting the faults the capture recorded (${recorded.map((s) => s.id).join(', ')}); --fault RULE replaces them`,
  };
}

/** Refuses, before connecting, a replay that would delete mail without --allow-delete. */
function checkDeletes(sessions: readonly RecordedSession[], target: string, allowDelete: boolean): void {
  if (allowDelete) return;
  for (const s of sessions) {
    const dele = s.steps
      .filter((step) => step.tx.command?.verb === 'DELE')
      .map((step) => step.tx.command!.line);
    if (dele.length === 0) continue;
    const quit = s.steps.some((step) => step.tx.command?.verb === 'QUIT')
      ? ' and a QUIT that commits them'
      : '';
    throw new CliError(
      `refusing to replay session ${s.id} against ${target}: it sends ${dele.slice(0, 3).join(', ')}${dele.length > 3 ? ', …' : ''}${quit}, which deletes mail there; add --allow-delete if that mail may go`,
    );
  }
}

async function credentials(
  sessions: readonly RecordedSession[],
  o: ReplayModeOptions,
  capture: string,
): Promise<Credentials> {
  const all = sessions.map((s) => ({ s, n: needs(s) }));
  for (const { s, n } of all)
    if (n.problems.length) throw new CliError(`cannot replay session ${s.id}: ${n.problems[0]}`);
  const needing = all.filter(({ n }) => n.password);
  if (o.user === undefined) {
    const anonymous = needing.find(({ n }) => n.user === null);
    if (anonymous) throw new CliError(`session ${anonymous.s.id} shows no user name: give one with --user`);
  }
  if (needing.length === 0) return { user: o.user };
  if (o.passwordEnv !== undefined) {
    const password = process.env[o.passwordEnv];
    if (password === undefined)
      throw new CliError(`--password-env ${o.passwordEnv}: that environment variable is not set`);
    return { user: o.user, password };
  }
  if (!process.stdin.isTTY || capture === '-') {
    throw new CliError(
      `session ${needing[0]!.s.id} logs in with a password: name an environment variable holding it with --password-env VAR (or run on a terminal to be asked)`,
    );
  }
  const user = o.user ?? needing[0]!.n.user;
  const password = await promptPassword(`Password for ${user} at ${o.against}: `).catch((error: Error) => {
    throw new CliError(error.message);
  });
  return { user: o.user, password };
}

async function against(capture: string, o: ReplayModeOptions): Promise<number> {
  const target = parseHostPort(o.against!, '--against');
  const where = showHostPort(target);
  const sessions = await load(capture, o.session, o);
  const stls = sessions.some((s) => s.stls);
  if (o.upstreamCa && !o.upstreamTls && !stls)
    throw new CliError('--upstream-ca needs --upstream-tls (or a session that upgrades with STLS)');
  checkDeletes(sessions, where, Boolean(o.allowDelete));
  const implicit = sessions.find((s) => s.open?.tls === 'implicit');
  if (implicit && !o.upstreamTls)
    warn(
      `session ${implicit.id} was recorded over implicit TLS (POP3S); add --upstream-tls if ${where} expects it`,
    );
  const creds = await credentials(sessions, o, capture);
  let ca: string | undefined;
  if (o.upstreamCa) {
    ca = await readFile(o.upstreamCa, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new CliError(`cannot read --upstream-ca ${o.upstreamCa}: ${error.code ?? error.message}`);
    });
  }
  const writer = o.capture
    ? await CaptureWriter.open(o.capture, {
        toolVersion: VERSION,
        onError: (error) =>
          process.stderr.write(`pop3scope: ${error.message}; the new capture is incomplete\n`),
      }).catch((error: unknown) => {
        throw error instanceof CaptureError ? new CliError(error.message) : error;
      })
    : null;
  const sink = writer ? captureSink(writer) : undefined;
  let equivalent = 0;
  try {
    for (const s of sessions) {
      process.stdout.write(
        `replay of session ${s.id} of ${capture} against ${where} (${counted(s.steps.length, 'command')})\n`,
      );
      const played = await playAgainst({
        session: s,
        id: s.id,
        host: target.host,
        port: target.port,
        tls: o.upstreamTls ? { ca } : undefined,
        stlsCa: ca,
        creds,
        sink,
      }).catch((error: Error) => {
        throw new CliError(error.message);
      });
      const comparison = compareSessions(s.events, played.events);
      const lines = comparisonLines(comparison);
      if (played.problem) lines.splice(lines.length - 1, 0, `  replay stopped early: ${played.problem}`);
      if (comparison.equivalent && !played.problem) equivalent++;
      else if (comparison.equivalent)
        lines[lines.length - 1] = '  => NOT equivalent (the replay stopped early)';
      process.stdout.write(`${lines.join('\n')}\n`);
    }
  } finally {
    await sink?.stop?.();
  }
  const all = equivalent === sessions.length;
  process.stdout.write(
    `pop3scope replay: ${all ? 'equivalent' : 'NOT equivalent'}: ${equivalent} of ${counted(sessions.length, 'session')} replayed alike${o.capture ? `; the new ${sessions.length === 1 ? 'session is' : 'sessions are'} recorded in ${o.capture}` : ''}\n`,
  );
  return all ? 0 : 1;
}
