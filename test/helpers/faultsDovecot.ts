/**
 * The table that faults-peers-dovecot*.test.ts are written in: one row per (fault, client), each run against a
 * fresh Dovecot behind the real `pop3scope proxy --fault RULE`, and the clients as faults-peers.test.ts runs
 * them (2 s client timeouts). A row says what the client did (exit, the commands sent after the fault, the
 * summary and its violations), what was injected, and how many of bob's message files are left on disk.
 */
import { expect, it } from 'vitest';
import { curlPop3, poplib, type RunResult } from './clients.js';
import { fetchmailRun, maildirFiles, mpopRun, type UnderFault, underFault } from './faults.js';

/** What any of the four clients gives: fetchmail and mpop add what they delivered. */
export type Ran = RunResult & { mbox?: string; mboxSize?: number };
export type Run = (port: number) => Promise<Ran>;

const env = (port: number) => ({ POP_PORT: String(port), POP_USER: 'bob', POP_PASSWORD: 'hungry' });
export const curl =
  (path: string, args: string[] = [], timeoutMs = 6000): Run =>
  (port) =>
    curlPop3(`pop3://bob:hungry@127.0.0.1:${port}/${path}`, ['-v', ...args], { timeoutMs });

/** poplib downloading and deleting both messages (LIST, RETR n + DELE n, QUIT) with a 2 s socket timeout; it prints each step and, on an exception, ('EXC', class, message), and exits 3. */
const POPLIB_DOWNLOAD = `
  try:
      p = poplib.POP3(HOST, PORT, timeout=2)
      p.user(USER); p.pass_(PASSWORD)
      out(p.list()[1])
      for i in (1, 2):
          resp, lines, octets = p.retr(i); out((resp, len(lines), octets))
          out(p.dele(i))
      out(p.quit())
  except Exception as e:
      out(('EXC', type(e).__name__, str(e)))
      sys.exit(3)
`;
export const popDownload: Run = (port) => poplib(POPLIB_DOWNLOAD, env(port), { timeoutMs: 15_000 });
export const lastLine = (s: string) => s.trim().split('\n').at(-1);
export const fm =
  (keep: boolean): Run =>
  (port) =>
    fetchmailRun({ port, keep, timeoutSecs: 2 });
export const mp =
  (keep: boolean, killAfterMs = 15_000): Run =>
  (port) =>
    mpopRun({ port, keep, timeoutSecs: 2, killAfterMs });

export interface Row {
  /** The test's name: client, then what it did. */
  name: string;
  run: Run;
  /** Default: the table's rule. */
  rule?: string;
  /** The client's exit code (null: killed by the test's timer). */
  code: number | null;
  /** The responses the rule fired on ([] when the client never sent the command it names). */
  on: string[];
  /** The commands the client sent after the (first) fault. */
  after: string[];
  /** A subset of the summary. */
  summary: Record<string, unknown>;
  /** The summary's violations, exactly (default none); null: the row checks them itself, in `also`. */
  violations?: Record<string, number> | null;
  /** bob's message files left in the maildir (cur + new). */
  files: number;
  /** Whatever else the row shows: the client's own words, what it delivered. */
  also?: (u: UnderFault<Ran>) => void;
}

/** One `it` per row, against a fresh Dovecot with the proxy injecting the row's rule. */
export function faultTable(rule: string, rows: readonly Row[]): void {
  for (const row of rows) {
    it(row.name, async () => {
      const r = row.rule ?? rule;
      const u = await underFault('dovecot', r, row.run);
      expect(u.client.code, `${u.client.stdout.slice(-2000)}\n${u.client.stderr}`).toBe(row.code);
      expect(u.injected.map((i) => [i.rule, i.on])).toEqual(row.on.map((o) => [r, o]));
      // The summary counts injected faults only when some fired.
      expect(u.summary.injected).toBe(row.on.length > 0 ? row.on.length : undefined);
      expect(u.headerFaults?.rules).toEqual([r]);
      expect(u.after).toEqual(row.after);
      expect(u.summary).toMatchObject(row.summary);
      if (row.violations !== null) expect(u.summary.violations).toEqual(row.violations ?? {});
      row.also?.(u);
      expect(maildirFiles(u.bench.dovecot as NonNullable<typeof u.bench.dovecot>)).toBe(row.files);
    });
  }
}

export type Faulted = UnderFault<Ran>;
export const mbox = (u: Faulted) => u.client.mbox ?? '';
/** The short last line of message 1's body (13 tildes): not there when the body was cut. */
export const hasLastLineOf1 = (u: Faulted) => mbox(u).split('\n').includes('~'.repeat(13));
export const PEERS = ['dovecot', 'curl', 'python3', 'fetchmail', 'mpop'] as const;
