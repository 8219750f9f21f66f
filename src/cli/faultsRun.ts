/**
 * `pop3scope faults run`: the matrix runner (docs/faults.md "The matrix runner"). Runs a client command once
 * with no fault (the baseline) and once per rule, each time through a fresh in-process fault proxy in front of a
 * fresh embedded demo server (or --server as is), then says what the client did after the fault and whether
 * mail was lost or duplicated. The verdict is faults/matrix.ts (sans-IO); this file runs things.
 */
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { type Command, Option } from 'commander';
import type { EngineEvent } from '../analysis/types.js';
import {
  type ClientExit,
  classifyRun,
  describeMail,
  describeReactions,
  type MatrixRow,
  type StoreFacts,
} from '../faults/matrix.js';
import { parsePlan } from '../faults/rules.js';
import { parseRulesFile } from '../faults/rulesFile.js';
import { FaultRuleError } from '../faults/types.js';
import { ProxyServer } from '../proxy/server.js';
import { demoStore } from '../server/memoryStore.js';
import { startServer } from '../server/server.js';
import type { Maildrop, MailStore } from '../server/store.js';
import { type HostPort, parseHostPort, showHostPort } from './address.js';
import { CliError } from './errors.js';
import { injectorFactory } from './faultOptions.js';
import { choiceOption, parsedOption, positiveSeconds } from './parsers.js';

/** Seconds a client may run before it is killed: long enough for a real fetch of the demo mailbox. */
export const DEFAULT_CLIENT_TIMEOUT_S = 30;
/** How long --server may take to accept the reachability check's connection. */
const SERVER_CHECK_MS = 5_000;
/** How long sessions still open when the client is gone may take to end before the proxy closes them. */
const SESSION_GRACE_MS = 1_000;
/** How long a client has after SIGTERM (at --timeout) before its process group gets SIGKILL. */
const KILL_GRACE_MS = 1_000;
/** The tail of the client's stderr kept for the JSON record: enough for its last error message. */
const STDERR_TAIL = 2_048;

const FORMATS = ['text', 'json'] as const;

interface FaultsRunOptions {
  client: string;
  server?: string;
  rules?: string;
  fault?: string[];
  seed?: number;
  timeout: number;
  format: (typeof FORMATS)[number];
}

/** A run's result: the verdict, and what the client wrote last on stderr. */
export interface RunResult {
  readonly row: MatrixRow;
  readonly stderrTail: string;
}

/** The demo store, with every maildrop opened during the run remembered (which UIDs it numbered 1..n). */
class RecordingStore implements MailStore {
  readonly logins: { user: string; uids: string[] }[] = [];
  constructor(readonly inner: MailStore) {}
  get description(): string {
    return this.inner.description;
  }
  userNames(): string[] {
    return this.inner.userNames();
  }
  password(user: string): string | undefined {
    return this.inner.password(user);
  }
  async openMaildrop(user: string): Promise<Maildrop | 'in-use'> {
    const drop = await this.inner.openMaildrop(user);
    if (drop !== 'in-use') this.logins.push({ user, uids: drop.messages.map((m) => m.uid) });
    return drop;
  }
}

/** Every user's UIDs in the store now (read straight from it: no session, no lock left behind). */
async function contents(store: MailStore): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const user of store.userNames()) {
    const drop = await store.openMaildrop(user);
    if (drop === 'in-use') throw new Error(`the maildrop of ${user} is still locked after the run`);
    out.set(
      user,
      drop.messages.map((m) => m.uid),
    );
    drop.release();
  }
  return out;
}

/** Runs `sh -c command` in its own process group; after `timeoutMs` the group gets SIGTERM, then SIGKILL. */
function runClient(command: string, timeoutMs: number): Promise<ClientExit & { stderrTail: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let tail = '';
    let timedOut = false;
    child.stderr.setEncoding('utf8').on('data', (t: string) => {
      tail = (tail + t).slice(-STDERR_TAIL);
    });
    const send = (name: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, name);
      } catch {
        child.kill(name);
      }
    };
    // SIGTERM first: a client may clean up (fetchmail removes its lock file; a SIGKILLed one whose shell died
    // first can stay a zombie where nothing reaps orphans, and its lock then refuses the next run).
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      send('SIGTERM');
      killer = setTimeout(() => send('SIGKILL'), KILL_GRACE_MS);
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      clearTimeout(killer);
      resolve({ code: null, signal: null, timedOut, stderrTail: `cannot run sh: ${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killer);
      resolve({ code, signal, timedOut, stderrTail: tail });
    });
  });
}

/** The client command with the proxy's address put in. */
export function clientCommand(template: string, at: HostPort): string {
  return template.replaceAll('{host}', at.host).replaceAll('{port}', String(at.port));
}

/** One run: fresh server (unless --server), the proxy with this rule (or none), the client once. */
export async function runOne(o: {
  rule: string | null;
  seed: number;
  client: string;
  server: HostPort | null;
  timeoutMs: number;
}): Promise<RunResult> {
  const store = o.server ? null : new RecordingStore(demoStore());
  const server = store ? await startServer({ host: '127.0.0.1', port: 0, store }) : null;
  try {
    const before = store ? await contents(store.inner) : null;
    const events: EngineEvent[] = [];
    const proxy = await ProxyServer.start({
      listen: { host: '127.0.0.1', port: 0 },
      upstream: server ? server.address() : o.server!,
      sinks: [{ event: (e) => events.push(e) }],
      connectTimeoutMs: SERVER_CHECK_MS,
      ...(o.rule !== null ? { faults: injectorFactory(parsePlan([o.rule], o.seed)) } : {}),
    });
    const exit = await runClient(clientCommand(o.client, proxy.address()), o.timeoutMs);
    await proxy.stop(SESSION_GRACE_MS);
    let facts: StoreFacts | null = null;
    if (store && server && before) {
      await server.close(); // every session ended (without UPDATE), every lock released
      const after = await contents(store.inner);
      const removed = [...before].flatMap(([user, uids]) =>
        uids.filter((uid) => !after.get(user)?.includes(uid)).map((uid) => ({ user, uid })),
      );
      facts = { logins: store.logins, removed };
    }
    return { row: classifyRun({ rule: o.rule, events, exit, store: facts }), stderrTail: exit.stderrTail };
  } finally {
    await server?.close();
  }
}

/** The rules of the matrix, each checked: the file's (in order), then each --fault. Throws CliError. */
async function matrixRules(o: FaultsRunOptions): Promise<{ rules: string[]; seed: number }> {
  const rules: string[] = [];
  let seed = o.seed;
  if (o.rules !== undefined) {
    let text: string;
    try {
      text = await readFile(o.rules, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliError(`--rules ${o.rules}: cannot read it (${code === 'ENOENT' ? 'no such file' : code})`);
    }
    try {
      const file = parseRulesFile(text, o.rules);
      rules.push(...file.rules);
      seed ??= file.seed;
    } catch (error) {
      throw error instanceof FaultRuleError ? new CliError(error.message) : error;
    }
  }
  rules.push(...(o.fault ?? []));
  if (rules.length === 0) throw new CliError('faults run needs rules: --rules FILE or --fault RULE');
  const chosen = seed ?? randomInt(0, 2 ** 32);
  try {
    // One plan per run, but every rule is checked before the first run starts.
    return { rules: rules.map((r) => parsePlan([r], chosen).rules[0]!.text), seed: chosen };
  } catch (error) {
    throw error instanceof FaultRuleError ? new CliError(error.message) : error;
  }
}

/** Resolves when something accepts a TCP connection at `at`; throws CliError otherwise. */
function reachable(at: HostPort): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: at.host, port: at.port });
    const fail = (why: string) => {
      socket.destroy();
      reject(new CliError(`--server ${showHostPort(at)} is unreachable (${why})`));
    };
    socket.setTimeout(SERVER_CHECK_MS, () => fail('no answer in 5 s'));
    socket.once('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
  });
}

/** The matrix as a text table. */
export function matrixTable(rows: readonly MatrixRow[]): string {
  const header = ['RULE', 'EXIT', 'INJECTED', 'CLIENT AFTERWARDS', 'MAIL'];
  const cells = rows.map((r) => [
    r.rule ?? '(none)',
    r.exit,
    String(r.injected),
    describeReactions(r),
    describeMail(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c
      .map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...cells.map(line)].join('\n')}\n`;
}

/** One JSON record of the matrix (docs/faults.md lists the fields). */
export function matrixRecord(result: RunResult, seed: number): Record<string, unknown> {
  const { row } = result;
  return {
    type: 'fault-run',
    ...row,
    seed,
    afterwardsText: describeReactions(row),
    mail: describeMail(row),
    clientStderr: result.stderrTail,
  };
}

export function registerFaults(program: Command): void {
  const faults = program.command('faults').description('fault injection tools (docs/faults.md)');
  faults
    .command('run')
    .description('run a client once per fault rule and show what it did, and whether mail was lost')
    .requiredOption('--client <cmd>', 'the client command, run with sh -c; {host} and {port} are the proxy')
    .option('--server <host:port>', 'the POP3 server (default: a fresh embedded demo server per run)')
    .option('--rules <file>', 'the rules, one run each (a JSON rules file, docs/faults.md)')
    .addOption(
      new Option('--fault <rule>', "a rule to run (repeatable; after the file's)").argParser(
        (text: string, previous: string[] | undefined) => [...(previous ?? []), text],
      ),
    )
    .addOption(
      new Option(
        '--seed <n>',
        "the seed of probabilistic rules (default: the file's, else a new one)",
      ).argParser((text: string) => {
        if (!/^[0-9]{1,10}$/.test(text) || Number(text) > 0xffffffff)
          throw new CliError(`--seed must be a whole number from 0 to 4294967295, not "${text}"`);
        return Number(text);
      }),
    )
    .addOption(
      parsedOption(
        '--timeout <seconds>',
        'stop the client after this long: SIGTERM to its process group, SIGKILL 1 s later (its row says "timeout")',
        positiveSeconds,
        DEFAULT_CLIENT_TIMEOUT_S,
      ),
    )
    .addOption(choiceOption('-f, --format <format>', 'the matrix as a table or JSON Lines', FORMATS, 'text'))
    .addHelpText(
      'after',
      `
A baseline run with no fault comes first, then one run per rule. Each run gets a fresh embedded demo server
(bob/hungry, alice/wonderland) unless --server is given, and a fault proxy on 127.0.0.1 with only that rule.
CLIENT AFTERWARDS is what the client did after the first injected fault: retried (the same command, or a new
connection after a greeting fault), deleted (which message, and whether it had been received whole), quit,
hung until timeout, reported an error (exit != 0, no further command), nothing. MAIL says LOST for messages
the server removed that were never received whole, duplicated for messages received whole twice.

Exit status: 0 when every run ran and no mail was lost; 1 when some run lost mail; 2 on a usage error
(no --client, a bad rule, --server unreachable).

Examples:
  pop3scope faults run --client 'curl -s pop3://bob:hungry@{host}:{port}/1' --rules docs/faults-matrix.json
  pop3scope faults run --client 'fetchmail -f rc -P {port}' --fault 'DELE err' --timeout 10 --format json`,
    )
    .action(async (o: FaultsRunOptions) => {
      if (!o.client.includes('{port}'))
        throw new CliError('--client must contain {port}: the proxy listens on a new port each run');
      const server = o.server ? parseHostPort(o.server, '--server') : null;
      const { rules, seed } = await matrixRules(o);
      if (server) await reachable(server);
      process.stderr.write(
        `pop3scope faults run: ${rules.length + 1} runs (a baseline, then one per rule) against ${
          server ? showHostPort(server) : 'a fresh embedded demo server each'
        }, client timeout ${o.timeout} s, seed ${seed}\n`,
      );
      const results: RunResult[] = [];
      for (const rule of [null, ...rules]) {
        const result = await runOne({ rule, seed, client: o.client, server, timeoutMs: o.timeout * 1000 });
        results.push(result);
        if (o.format === 'json') process.stdout.write(`${JSON.stringify(matrixRecord(result, seed))}\n`);
      }
      if (o.format === 'text') process.stdout.write(matrixTable(results.map((r) => r.row)));
      if (results.some((r) => r.row.lost.length > 0)) throw new CliError('', 1);
    });
}
