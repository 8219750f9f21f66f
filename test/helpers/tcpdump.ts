/**
 * A real tcpdump recording loopback traffic for the packet-trace tests, and `show` of the trace it wrote, in
 * process:
 *
 *   const dump = await startTcpdump({ ports: [px.port] });      // resolves once tcpdump listens
 *   await curlPop3(`pop3://bob:hungry@127.0.0.1:${px.port}/`);
 *   await dump.stop();                                          // SIGINT; waits for its "packets captured"
 *   const records = await showTraceJson(dump.file, { port: [px.port] });
 *
 * `describeWithTcpdump` decides what a suite does without tcpdump, as describeWithPeers does for the POP3
 * peers: skipped with a banner locally, FAILED under CI=true (a broken install must not turn the trace tests
 * into silent skips). Capturing needs root (or CAP_NET_RAW): not being root is a skip locally, a failure in CI.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Output } from '../../src/cli/output.js';
import { runShow } from '../../src/cli/show.js';
import { atExit, INSTALL_HINT, isCI } from './peers.js';
import { type JsonRecord, type ProxyProcess, parseJsonLines, readText, summaryOf } from './proxyProcess.js';
import { secretNeedles, secretsIn } from './proxySecrets.js';
import { expectValidJsonOutput } from './schema.js';

export interface TcpdumpOptions {
  /** TCP ports to record (the filter is `tcp port A or tcp port B ...`). */
  readonly ports: readonly number[];
  /** 'lo' (default): Ethernet headers (LINKTYPE 1); 'any': Linux cooked v2 (LINKTYPE_LINUX_SLL2, 276). */
  readonly iface?: 'lo' | 'any';
  /** Where the pcap goes; default a file in a private temp dir, removed when the test process ends. */
  readonly file?: string;
}

export interface Tcpdump {
  readonly file: string;
  /** Everything tcpdump printed on stderr so far (its counts, once stopped). */
  stderr(): string;
  /** SIGINT, then waits for tcpdump to exit and to print its "packets captured" line. Idempotent. */
  stop(): Promise<TcpdumpCounts>;
}

export interface TcpdumpCounts {
  readonly captured: number;
  /** Packets the kernel dropped before tcpdump saw them: a trace with drops has holes that are not our fault. */
  readonly droppedByKernel: number;
}

/** LINKTYPE_LINUX_SLL2; `-i any` is asked for it explicitly, whatever the libpcap's default. */
export const LINKTYPE_LINUX_SLL2 = 276;

/** Why tcpdump cannot record here, or null when it can. */
export function tcpdumpUnusable(): string | null {
  // As for the POP3 peers (peers.ts): POP3SCOPE_PRETEND_MISSING=tcpdump (or all) exercises the skip/fail path.
  const pretend = (process.env.POP3SCOPE_PRETEND_MISSING ?? '').split(',').map((x) => x.trim());
  if (pretend.includes('tcpdump') || pretend.includes('all'))
    return `tcpdump is not installed (POP3SCOPE_PRETEND_MISSING) — install with: ${INSTALL_HINT}`;
  const r = spawnSync('tcpdump', ['--version'], { stdio: 'ignore', timeout: 10_000 });
  if (r.error || r.status !== 0) return `tcpdump is not installed — install with: ${INSTALL_HINT}`;
  if (process.getuid?.() !== 0) return 'not root: tcpdump cannot capture on lo (run the tests as root)';
  return null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function banner(lines: string[]): string {
  const bar = '!'.repeat(78);
  return `\n${bar}\n${lines.map((l) => `!! ${l}`).join('\n')}\n${bar}\n\n`;
}

/**
 * `describe`, but only where tcpdump can record: skipped with a stderr banner locally, failed under CI=true
 * (one failing test saying why, the suite listed as skipped beneath it).
 */
export function describeWithTcpdump(title: string, fn: () => void): void {
  const why = tcpdumpUnusable();
  if (why === null) {
    describe(title, fn);
    return;
  }
  if (isCI()) {
    describe(title, () => {
      it('requires tcpdump, run as root (CI=true: a missing tcpdump is a failure)', () => {
        throw new Error(`${why}; CI must run .ci/install-peers and the tests as root`);
      });
      describe.skip(`not run: ${why}`, fn);
    });
    process.stderr.write(banner([`FAILING suite "${title}" under CI=true`, why]));
    return;
  }
  process.stderr.write(
    banner([`SKIPPED suite "${title}" — ${why}`, '(under CI=true it would FAIL instead)']),
  );
  describe.skip(title, fn);
}

let tempDir: string | undefined;
let traceCount = 0;

/** A private temp dir for the traces (they hold the demo passwords in clear); removed at process end. */
function traceDir(): string {
  if (!tempDir) {
    const dir = mkdtempSync('/tmp/pop3scope-pcap-');
    tempDir = dir;
    atExit(() => {
      if (!process.env.POP3SCOPE_KEEP_TRACES) rmSync(dir, { recursive: true, force: true });
    });
  }
  return tempDir;
}

/** A fresh path in the private trace dir, e.g. for a key log. */
export function tracePath(name: string): string {
  return join(traceDir(), `${++traceCount}-${name}`);
}

const COUNTS = /(\d+) packets? captured[\s\S]*?(\d+) packets? dropped by kernel/;

/** Starts tcpdump on `ports`; resolves once it says "listening on" (from then on nothing is missed). */
export async function startTcpdump(o: TcpdumpOptions): Promise<Tcpdump> {
  if (o.ports.length === 0) throw new Error('startTcpdump: no ports');
  const file = o.file ?? tracePath('trace.pcap');
  const iface = o.iface ?? 'lo';
  const filter = o.ports.map((p) => `tcp port ${p}`).join(' or ');
  const args = [
    '-i',
    iface,
    ...(iface === 'any' ? ['-y', 'LINUX_SLL2'] : []),
    '-n',
    // -U: each packet is written as it comes (nothing sits in a buffer at stop); --immediate-mode: the kernel
    // hands packets over at once instead of in 1 s blocks; -B: a 32 MB ring so a burst is not dropped.
    '-U',
    '--immediate-mode',
    '-B',
    '32768',
    '-s',
    '0',
    '-w',
    file,
    filter,
  ];
  const child: ChildProcessWithoutNullStreams = spawn('tcpdump', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdout.resume();
  let exited = false;
  const exit = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      exited = true;
      resolve(code);
    });
    child.on('error', (e) => {
      exited = true;
      err += `\n[spawn tcpdump failed: ${e.message}]`;
      resolve(null);
    });
  });
  const forget = atExit(() => {
    if (!exited) child.kill('SIGKILL');
  });
  const deadline = Date.now() + 10_000;
  while (!err.includes('listening on')) {
    if (exited || Date.now() > deadline) {
      if (!exited) child.kill('SIGKILL');
      await exit;
      forget();
      throw new Error(`tcpdump did not start listening: ${err}`);
    }
    await sleep(10);
  }
  let stopping: Promise<TcpdumpCounts> | undefined;
  return {
    file,
    stderr: () => err,
    stop() {
      stopping ??= (async () => {
        // The last segments (a FIN's ACK) may still be on their way through the loopback to tcpdump.
        await sleep(100);
        if (!exited) child.kill('SIGINT');
        const timer = setTimeout(() => {
          if (!exited) child.kill('SIGKILL');
        }, 5000);
        const code = await exit;
        clearTimeout(timer);
        forget();
        const m = COUNTS.exec(err);
        if (code !== 0 || !m) throw new Error(`tcpdump ended badly (exit ${code}): ${err}`);
        return { captured: Number(m[1]), droppedByKernel: Number(m[2]) };
      })();
      return stopping;
    },
  };
}

export interface TraceFlags {
  /** `--port N` (repeatable). */
  readonly port?: readonly number[];
  /** `--tls-keylog FILE`. */
  readonly tlsKeylog?: string;
}

/** `show FILE [--port N]... [--tls-keylog K] --format F`, in process, as text (stderr warnings not included). */
export async function showTrace(
  file: string,
  flags: TraceFlags = {},
  format: 'text' | 'json' | 'markdown' = 'json',
): Promise<string> {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  await runShow(
    [file],
    { format, port: flags.port ? [...flags.port] : undefined, tlsKeylog: flags.tlsKeylog, color: false },
    new Output(sink),
  );
  return text;
}

/** `show TRACE --format json` with these flags, parsed (and checked against the published schema). */
export async function showTraceJson(file: string, flags: TraceFlags = {}): Promise<JsonRecord[]> {
  const records = parseJsonLines(await showTrace(file, flags, 'json'));
  expectValidJsonOutput(records, `show --format json ${file}`);
  return records;
}

/** The records of a `show --format json` output grouped by session, in the order sessions first appear. */
export function bySession(records: readonly JsonRecord[]): Map<string, JsonRecord[]> {
  const sessions = new Map<string, JsonRecord[]>();
  for (const r of records) {
    const list = sessions.get(r.session) ?? [];
    list.push(r);
    sessions.set(r.session, list);
  }
  return sessions;
}

/**
 * What a packet trace and the proxy's own capture of the same session must agree on: every transaction (the
 * command as shown, i.e. redacted; the response's status, code, text, shape and size; SASL steps as shown;
 * the explanation; violation codes), every phase change, every session-level violation, the TLS facts of
 * the client's handshake, and the summary. Left out, because they MUST differ between the two recordings:
 * session ids (s1 in a trace, the proxy's own counter), times (startedAt/endedAt/at/latencyMs/durationMs: the
 * proxy stamps when its socket reads, the trace when the kernel saw the packet), the client and upstream
 * addresses (compared separately, per leg), the `proxy` and `alter` records (the proxy's own notes: a
 * trace cannot have them), the proxy's upstream TLS facts (a trace of one leg sees one handshake), and who closed
 * and why (the proxy says who ended first of two connections, in its own words — "the server closed after
 * QUIT" — while a trace of one leg sees that leg's first FIN or RST: on the client leg the client's FIN often
 * comes before the proxy relays the server's; compared per leg by the tests instead).
 */
export function comparable(records: readonly JsonRecord[]): Record<string, unknown> {
  const summaries = records.filter((r) => r.type === 'summary');
  if (summaries.length !== 1) throw new Error(`expected one summary, found ${summaries.length}`);
  const s = summaries[0]!;
  const {
    startedAt,
    endedAt,
    durationMs,
    client,
    upstream,
    session,
    version,
    phases,
    closedBy,
    closeReason,
    ...summary
  } = s;
  return {
    transactions: records
      .filter((r) => r.type === 'transaction')
      .map((t) => ({
        seq: t.seq,
        phase: t.phase,
        command: t.command,
        response: t.response,
        sasl: t.sasl ?? null,
        explain: t.explain,
        rfc: t.rfc,
        violations: (t.violations as { code: string }[]).map((v) => v.code),
      })),
    phases: records
      .filter((r) => r.type === 'phase')
      .map((p) => ({ from: p.from, to: p.to, reason: p.reason })),
    violations: records
      .filter((r) => r.type === 'violation')
      .map((v) => ({ code: v.code, severity: v.severity, message: v.message })),
    tls: records
      .filter((r) => r.type === 'tls')
      .map((r) => ({ how: r.how, visibility: r.visibility, client: r.client })),
    summary: { ...summary, phases: (phases as { phase: string }[]).map((p) => p.phase) },
  };
}

export interface Leg {
  readonly records: JsonRecord[];
  readonly summary: JsonRecord;
}

export interface Recorded<T> {
  /** What `run` resolved with (the client's output). */
  readonly result: T;
  /** The proxy's own capture of the session, read back by show. */
  readonly fromProxy: JsonRecord[];
  /** The trace's session on the client↔proxy leg and on the proxy↔server leg. */
  readonly clientLeg: Leg;
  readonly serverLeg: Leg;
  readonly traceFile: string;
  /** The flags show was given (both legs' server ports as --port, the key log if any). */
  readonly flags: { port: number[]; tlsKeylog?: string };
}

export interface RecordOptions<T> {
  readonly px: ProxyProcess;
  /** The proxy's upstream as show prints it: "127.0.0.1:PORT" or "[::1]:PORT". */
  readonly upstream: string;
  /** Runs the client against px.port. */
  readonly run: () => Promise<T>;
  readonly iface?: 'lo' | 'any';
  readonly tlsKeylog?: string;
}

/**
 * Runs one client session through `px` while tcpdump records both legs, then checks what every such trace
 * must show: no packet lost, exactly two sessions (one per leg) with the client's and the server's addresses
 * as the proxy recorded them, no proxy-only records, the client leg telling the session as the proxy's capture
 * does (clientView), and no secret in show's text, JSON or Markdown of the trace.
 */
export async function recordThroughProxy<T>(o: RecordOptions<T>): Promise<Recorded<T>> {
  const { px } = o;
  const upPort = Number(/:(\d+)$/.exec(o.upstream)?.[1]);
  const dump = await startTcpdump({ ports: [px.port, upPort], iface: o.iface });
  const mark = px.mark();
  const result = await o.run();
  const live = await px.next(mark);
  const counts = await dump.stop();
  expect(counts.droppedByKernel, 'tcpdump lost packets: the trace has holes').toBe(0);
  const session = summaryOf(live).session as string;
  const fromProxy = await px.captureSession(session);
  const flags = { port: [px.port, upPort], ...(o.tlsKeylog ? { tlsKeylog: o.tlsKeylog } : {}) };
  const trace = await showTraceJson(dump.file, flags);
  const legs = [...bySession(trace).values()].map((records) => ({ records, summary: summaryOf(records) }));
  const proxyAddress = `127.0.0.1:${px.port}`;
  expect(legs.map((s) => s.summary.upstream).sort()).toEqual([proxyAddress, o.upstream].sort());
  const clientLeg = legs.find((s) => s.summary.upstream === proxyAddress)!;
  const serverLeg = legs.find((s) => s.summary.upstream === o.upstream)!;
  const proxySummary = summaryOf(fromProxy);
  // The client's own address is the same on its leg; the server's the same on the other.
  expect(clientLeg.summary.client).toBe(proxySummary.client);
  expect(serverLeg.summary.upstream).toBe(proxySummary.upstream);
  for (const leg of legs)
    expect(leg.records.filter((x) => x.type === 'proxy' || x.type === 'alter')).toEqual([]);
  expect(clientView(clientLeg.records)).toEqual(comparable(fromProxy));
  await expectNoSecretsShown(dump.file, flags, [readText(px.capturePath)]);
  return { result, fromProxy, clientLeg, serverLeg, traceFile: dump.file, flags };
}

/**
 * comparable() of the client↔proxy leg. (It once left out POP3_TLS_UNCLEAN_SHUTDOWN: the proxy sent its FIN
 * before its close_notify, finding F1 in pcap-peers-findings.test.ts, now fixed: the leg must equal in full.)
 */
export function clientView(records: readonly JsonRecord[]): Record<string, unknown> {
  return comparable(records);
}

/**
 * show of the trace in every format is free of every secret the sessions could carry (the needles are computed
 * from `captureTexts`, the proxy's capture of the same sessions, for the APOP timestamps and CRAM challenges).
 */
export async function expectNoSecretsShown(
  file: string,
  flags: TraceFlags,
  captureTexts: readonly string[],
): Promise<void> {
  const { needles } = secretNeedles(captureTexts);
  for (const format of ['text', 'json', 'markdown'] as const) {
    const shown = await showTrace(file, flags, format);
    expect(shown.length).toBeGreaterThan(0);
    expect(secretsIn(shown, needles), `show --format ${format} of ${file}`).toEqual([]);
  }
}
