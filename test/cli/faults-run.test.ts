/** `pop3scope faults run`: the matrix runner against the embedded server, with a poplib client and curl. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { itWithPeers } from '../helpers/peers.js';
import { expectValidFaultRuns } from '../helpers/schema.js';

/** The CLI from source (not runCli: its JSON check knows the show/proxy records; fault-run has its own schema). */
function faultsRun(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'faults', 'run', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 90_000,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A download-and-delete client in poplib: RETR 1, DELE 1, QUIT; any error ends it (exit 1, no QUIT). */
const POPLIB = `
import poplib, sys
p = poplib.POP3('127.0.0.1', int(sys.argv[1]), timeout=20)
p.user('bob'); p.pass_('hungry')
p.retr(1)
p.dele(1)
p.quit()
`;

function poplibClient(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pop3scope-faults-run-'));
  const script = join(dir, 'client.py');
  writeFileSync(script, POPLIB);
  return `python3 ${script} {port}`;
}

/** The table's row for `rule`, split on runs of 2+ spaces. */
function row(table: string, rule: string): string[] {
  const line = table.split('\n').find((l) => l.startsWith(`${rule}  `));
  if (!line) throw new Error(`no row for ${rule} in:\n${table}`);
  return line.split(/ {2,}/);
}

describe('pop3scope faults run', () => {
  itWithPeers(
    ['python3'],
    'poplib retrieve-and-delete: a baseline row, a spoiled RETR then DELE is LOST (exit 1), -ERR on DELE, a stall',
    () => {
      const r = faultsRun([
        '--client',
        poplibClient(),
        '--fault',
        'RETR #1 duplicate-line 3',
        '--fault',
        'DELE err',
        '--fault',
        'RETR stall',
        '--timeout',
        '3',
        '--seed',
        '7',
      ]);
      expect(r.stderr).toMatch(/4 runs \(a baseline, then one per rule\).*client timeout 3 s, seed 7/);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^RULE +EXIT +INJECTED +CLIENT AFTERWARDS +MAIL$/);
      expect(lines).toHaveLength(5);
      expect(row(r.stdout, '(none)')).toEqual([
        '(none)',
        '0',
        '0',
        'baseline: received bob 1; removed bob 1',
        'ok',
      ]);
      expect(row(r.stdout, 'RETR #1 duplicate-line 3')).toEqual([
        'RETR #1 duplicate-line 3',
        '0',
        '1',
        'deleted bob 1 NOT received whole, quit',
        'LOST bob 1',
      ]);
      // The -ERR makes poplib raise: it exits 1 without QUIT, so the server never enters UPDATE.
      expect(row(r.stdout, 'DELE err')).toEqual(['DELE err', '1', '1', 'reported an error', 'ok']);
      expect(row(r.stdout, 'RETR stall')).toEqual(['RETR stall', 'timeout', '1', 'hung until timeout', 'ok']);
      expect(r.code).toBe(1);
    },
    60_000,
  );

  itWithPeers(
    ['curl'],
    '--format json: one fault-run record per run, with the fields docs/faults.md lists',
    () => {
      const r = faultsRun([
        '--client',
        'curl -s -o /dev/null pop3://bob:hungry@{host}:{port}/1',
        '--fault',
        'RETR #1 cut 400',
        '--format',
        'json',
        '--timeout',
        '10',
      ]);
      expect(r.code).toBe(0);
      const records = r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      expectValidFaultRuns(records);
      expect(records.map((x) => x.rule)).toEqual([null, 'RETR #1 cut 400']);
      expect(records[0]).toMatchObject({ type: 'fault-run', injected: 0, received: ['bob 1'], lost: [] });
      expect(records[1]).toMatchObject({
        type: 'fault-run',
        injected: 1,
        fault: { on: 'RETR 1' },
        mailboxFrom: 'store',
        received: [],
        removed: [],
        lost: [],
        mail: 'ok',
      });
      for (const key of ['exit', 'exitCode', 'signal', 'timedOut', 'sessions', 'afterwards', 'commandsAfter'])
        expect(records[1]).toHaveProperty(key);
      expect(typeof records[1].seed).toBe('number');
      expect(r.stdout).not.toContain('hungry');
    },
    60_000,
  );

  itWithPeers(
    ['python3'],
    'at --timeout the client gets SIGTERM first (a fetchmail removes its lock), the row says timeout',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'pop3scope-faults-run-'));
      const marker = join(dir, 'terminated');
      const script = join(dir, 'waits.py');
      writeFileSync(
        script,
        [
          'import signal, socket, sys',
          'def done(*_):',
          `    open(${JSON.stringify(marker)}, 'w').write('SIGTERM')`,
          '    sys.exit(5)',
          'signal.signal(signal.SIGTERM, done)',
          "s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))",
          's.recv(100)',
          'while True: s.recv(100)',
        ].join('\n'),
      );
      const r = faultsRun([
        '--client',
        `python3 ${script} {port}`,
        '--fault',
        'greeting stall',
        '--timeout',
        '1',
      ]);
      expect(row(r.stdout, 'greeting stall')).toEqual([
        'greeting stall',
        'timeout',
        '1',
        'hung until timeout',
        'ok',
      ]);
      expect(readFileSync(marker, 'utf8')).toBe('SIGTERM');
    },
    60_000,
  );

  it.each([
    [['--fault', 'RETR cut 1'], /required option '--client <cmd>' not specified/],
    [['--client', 'true {port}'], /faults run needs rules: --rules FILE or --fault RULE/],
    [['--client', 'true {port}', '--fault', 'DELE explode'], /bad fault rule "DELE explode"/],
    [['--client', 'true', '--fault', 'RETR cut 1'], /--client must contain \{port\}/],
    [
      ['--client', 'true {port}', '--rules', '/nonexistent/rules.json'],
      /--rules .*: cannot read it \(no such file\)/,
    ],
  ])('refuses %j in one line, exit 2', (args, message) => {
    const r = faultsRun(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });

  it('an unreachable --server is one line, exit 2, before any run', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = faultsRun([
      '--client',
      'true {port}',
      '--fault',
      'RETR cut 1',
      '--server',
      `127.0.0.1:${port}`,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`--server 127\\.0\\.0\\.1:${port} is unreachable \\(ECONNREFUSED\\)`),
    );
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('the rules of a rules file, each its own run, in file order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pop3scope-faults-run-'));
    const file = join(dir, 'rules.json');
    writeFileSync(
      file,
      JSON.stringify({ seed: 5, rules: ['LIST size-lie +10', { where: 'QUIT', action: 'err' }] }),
    );
    const r = faultsRun(['--client', 'true {port}', '--rules', file, '--fault', 'RETR cut 1']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/seed 5/);
    const rules = r.stdout
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/ {2,}/));
    expect(rules.map((c) => c[0])).toEqual(['(none)', 'LIST size-lie +10', 'QUIT err', 'RETR cut 1']);
    // `true` never connects: no session, nothing fired.
    expect(rules.slice(1).map((c) => c[3])).toEqual([
      'rule never fired',
      'rule never fired',
      'rule never fired',
    ]);
  });
});
