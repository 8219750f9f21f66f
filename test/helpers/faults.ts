/**
 * Helpers for the fault-injection real-peer tests (test/integration/faults-peers*.test.ts): fresh servers (the
 * embedded one or Dovecot) behind a real `pop3scope proxy --fault ...` process, what is left in the maildrop
 * afterwards, the injected events and what the client sent after them, and fetchmail / mpop as bob with the
 * client's own network timeout (a stalled server needs it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { fetchmail, type MailClientResult, mpop } from './clients.js';
import { type Dovecot, startDovecot } from './dovecot.js';
import {
  type JsonRecord,
  type ProxyProcess,
  startProxyProcess,
  summaryOf,
  transactions,
} from './proxyProcess.js';
import { statOf } from './rawPop3.js';

export type ServerKind = 'embedded' | 'dovecot';

/** One fresh maildrop (bob/hungry: 2 messages, 498 and 912 octets) and a faulting proxy in front of it. */
export interface FaultBench {
  readonly kind: ServerKind;
  /** The server itself (no proxy, no faults): for checking what is left. */
  readonly serverPort: number;
  readonly px: ProxyProcess;
  readonly dovecot?: Dovecot;
  /** STAT straight at the server, e.g. '+OK 2 1410'. */
  stat(): Promise<string>;
  /** How many messages the maildrop holds: Dovecot's files in the maildir, or the embedded server's STAT. */
  messagesLeft(): Promise<number>;
  stop(): Promise<void>;
}

/** Everything started by `bench`, for one afterAll to stop. */
const started: FaultBench[] = [];

/** Starts a fresh server of `kind` and a proxy with `--fault RULE` for each rule (plus extra args). */
export async function bench(
  kind: ServerKind,
  rules: readonly string[],
  extraArgs: readonly string[] = [],
): Promise<FaultBench> {
  let srv: RunningServer | undefined;
  let dovecot: Dovecot | undefined;
  let serverPort: number;
  if (kind === 'dovecot') {
    dovecot = await startDovecot();
    serverPort = dovecot.port;
  } else {
    srv = await startServer({ host: '127.0.0.1', port: 0, demo: true });
    serverPort = srv.address().port;
  }
  const px = await startProxyProcess(serverPort, {
    extraArgs: [...rules.flatMap((r) => ['--fault', r]), ...extraArgs],
  });
  const stat = () => statOf(serverPort, 'bob', 'hungry');
  const b: FaultBench = {
    kind,
    serverPort,
    px,
    dovecot,
    stat,
    async messagesLeft() {
      if (dovecot) return maildirFiles(dovecot);
      const m = /^\+OK (\d+) /.exec(await stat());
      if (!m) throw new Error('STAT failed');
      return Number(m[1]);
    },
    async stop() {
      await px.stop();
      await Promise.all([srv?.close(), dovecot?.stop()]);
    },
  };
  started.push(b);
  return b;
}

/** Stops every bench started so far (proxies first, then the servers). */
export async function stopBenches(): Promise<void> {
  await Promise.all(started.splice(0).map((b) => b.stop()));
}

/** Bob's messages on disk in Dovecot's maildir (cur + new): what a deletion really removed. */
export function maildirFiles(dc: Dovecot, user = 'bob'): number {
  const md = join(dc.dir, 'home', user, 'Maildir');
  return ['cur', 'new'].reduce((n, sub) => n + readdirSync(join(md, sub)).length, 0);
}

/** The injected events among a session's records. */
export function injectedOf(records: readonly JsonRecord[]): JsonRecord[] {
  return records.filter((r) => r.type === 'injected');
}

/**
 * The command lines the client sent after the response the first injected fault changed: what the client did in
 * reaction. The injected event sits just before the first thing that differs from a plain relay, so the faulted
 * transaction is the one just before it (a changed body) or just after it (a stall, a greeting-err).
 */
export function commandsAfterFault(records: readonly JsonRecord[]): string[] {
  const at = records.findIndex((r) => r.type === 'injected');
  if (at < 0) throw new Error('no injected event in these records');
  const on = records[at]?.on as string;
  const faulted = (t: JsonRecord | undefined) =>
    // `on` names the command by verb and first argument ("TOP 1" for "TOP 1 99999999").
    t !== undefined &&
    (on === 'greeting' ? !t.command : t.command?.line === on || t.command?.line?.startsWith(`${on} `));
  const txs = transactions(records);
  const before = transactions(records.slice(0, at)).length;
  const index = faulted(txs[before - 1]) ? before - 1 : txs.findIndex((t, i) => i >= before && faulted(t));
  if (index < 0) throw new Error(`no transaction for the injected fault on ${on}`);
  return txs
    .slice(index + 1)
    .map((t) => t.command?.line as string | undefined)
    .filter((l): l is string => l !== undefined);
}

/** The one summary, as `show --format json` of the capture reads it back. */
export async function capturedSummary(px: ProxyProcess, session: string): Promise<JsonRecord> {
  return summaryOf(await px.captureSession(session));
}

// ----- clients with their own timeouts -----

/** What a fault test's client run gives: clients.ts's result (mbox read up to a limit, its size told). */
export type ClientRun = MailClientResult;

export interface FetchmailRun {
  port: number;
  /** keep fetchall (LIST n + RETR n), or nokeep nofetchall (LAST, TOP n 99999999, DELE). */
  keep: boolean;
  /** fetchmail's own server-non-response timeout (rc `timeout`), seconds. */
  timeoutSecs?: number;
  /** The test's kill timer. */
  killAfterMs?: number;
}

/** fetchmail 6.4 once (clients.ts fetchmail()), cleartext USER/PASS as bob, with an optional `timeout`. */
export function fetchmailRun(o: FetchmailRun): Promise<ClientRun> {
  return fetchmail({
    ...bob(o.port, o.keep),
    fetchall: o.keep,
    clientTimeoutSecs: o.timeoutSecs,
    timeoutMs: o.killAfterMs ?? 20_000,
  });
}

export interface MpopRun {
  port: number;
  keep: boolean;
  /** mpop's network timeout (rc `timeout`), seconds; mpop's default is 180. */
  timeoutSecs?: number;
  killAfterMs?: number;
}

/** mpop 1.4 once (clients.ts mpop()), cleartext USER/PASS as bob, with an optional `timeout`. */
export function mpopRun(o: MpopRun): Promise<ClientRun> {
  return mpop({
    ...bob(o.port, o.keep),
    clientTimeoutSecs: o.timeoutSecs,
    timeoutMs: o.killAfterMs ?? 20_000,
  });
}

const bob = (port: number, keep: boolean) => ({
  host: '127.0.0.1',
  port,
  user: 'bob',
  password: 'hungry',
  keep,
});

/** The Subject lines of what a client delivered. */
export function subjects(mbox: string): string[] {
  return mbox.match(/^Subject: .*$/gm) ?? [];
}

// ----- one client run under one fault -----

export interface UnderFault<R> {
  readonly bench: FaultBench;
  /** What the client process did. */
  readonly client: R;
  /** The session's records as `show --format json` reads them back from the capture. */
  readonly records: JsonRecord[];
  readonly summary: JsonRecord;
  readonly injected: JsonRecord[];
  /** The command lines the client sent after the (first) injected fault. */
  readonly after: string[];
  /** The capture header's `faults` ({seed, rules}). */
  readonly headerFaults: { seed: number; rules: string[] } | undefined;
}

/**
 * A fresh server of `kind` and a proxy injecting `rule`; runs the client once against the proxy and reads the
 * session back from the capture. Checks nothing itself: the tests say what they expect.
 */
export async function underFault<R>(
  kind: ServerKind,
  rule: string,
  client: (port: number) => Promise<R>,
  extraArgs: readonly string[] = [],
): Promise<UnderFault<R>> {
  const b = await bench(kind, [rule], extraArgs);
  const mark = b.px.mark();
  const result = await client(b.px.port);
  const live = await b.px.next(mark, 15_000);
  const session = summaryOf(live).session as string;
  const records = await b.px.captureSession(session);
  const injected = injectedOf(records);
  const header = JSON.parse(readFileSync(b.px.capturePath, 'utf8').split('\n')[0] as string);
  return {
    bench: b,
    client: result,
    records,
    summary: summaryOf(records),
    injected,
    after: injected.length > 0 ? commandsAfterFault(records) : [],
    headerFaults: header.faults,
  };
}
