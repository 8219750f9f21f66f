/**
 * `pop3scope export CAPTURE --pcapng OUT`, the real CLI: tshark reads OUT as POP3 with the recorded (masked)
 * bytes, `show OUT` gives back the same transactions, no secret is in it, and every error is one line, exit 2,
 * with nothing left behind.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { Output } from '../../src/cli/output.js';
import { runShow } from '../../src/cli/show.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { describeWithPeers } from '../helpers/peers.js';

const dir = mkdtempSync(join(tmpdir(), 'pop3scope-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SEED = join(ROOT, 'captures/seed-download-and-delete.jsonl');
const CURL = join(ROOT, 'captures/dovecot-curl.jsonl');
const SECRETS = ['hungry', 'wonderland'].flatMap((s) => [s, Buffer.from(s).toString('base64')]);

// biome-ignore lint/suspicious/noExplicitAny: JSON records are compared field by field
type Json = Record<string, any>;

/** `show --format json` in process, parsed. */
async function showJson(file: string, port: number[] = []): Promise<Json[]> {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  await runShow([file], { format: 'json', port }, new Output(sink));
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Json);
}

const TIME_KEYS = new Set(['at', 'startedAt', 'endedAt', 't']);
/** Times to the microsecond (a pcapng holds µs); the close reason is not carried by a FIN. */
function comparable(records: readonly Json[]): Json[] {
  const fix = (v: unknown, key = ''): unknown => {
    if (Array.isArray(v)) return v.map((x) => fix(x));
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v)
          .filter(([k]) => k !== 'closeReason')
          .map(([k, x]) => [k, fix(x, k)]),
      );
    if (typeof v === 'number' && TIME_KEYS.has(key)) return Math.round(v * 1000);
    return v;
  };
  return records.map((r) => fix(r) as Json);
}

/** The capture's data records, concatenated per direction (the masked bytes, as recorded). */
function recorded(file: string, session = 's1'): { c2s: Buffer; s2c: Buffer } {
  const out = { c2s: [] as Buffer[], s2c: [] as Buffer[] };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as Json;
    if (r.type !== 'data' || r.session !== session) continue;
    out[r.dir as 'c2s' | 's2c'].push(
      r.text !== undefined ? Buffer.from(r.text, 'utf8') : Buffer.from(r.b64, 'base64'),
    );
  }
  return { c2s: Buffer.concat(out.c2s), s2c: Buffer.concat(out.s2c) };
}

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

/** tshark's `follow,tcp,raw` of stream 0: the bytes each side sent (lines with a tab are node 1's, the server's). */
function followRaw(file: string, decodeAs: string[], stream = 0): { c2s: Buffer; s2c: Buffer } {
  const text = tshark(['-r', file, ...decodeAs, '-q', '-z', `follow,tcp,raw,${stream}`]);
  const body = text.split('\n');
  const start = body.findIndex((l) => l.startsWith('Node 1:')) + 1;
  const c2s: Buffer[] = [];
  const s2c: Buffer[] = [];
  for (const line of body.slice(start)) {
    if (line.startsWith('====')) break;
    if (!line.trim()) continue;
    (line.startsWith('\t') ? s2c : c2s).push(Buffer.from(line.trim(), 'hex'));
  }
  return { c2s: Buffer.concat(c2s), s2c: Buffer.concat(s2c) };
}

const exportTo = (capture: string, out: string, ...more: string[]) =>
  runCli(['export', capture, '--pcapng', out, ...more]);

const exported = new Map<string, string>();
/** `export CAPTURE --pcapng OUT` once per capture (each CLI run costs a second or more). */
function exportOnce(capture: string): string {
  let out = exported.get(capture);
  if (out) return out;
  out = join(dir, `export-${exported.size}.pcapng`);
  const r = exportTo(capture, out);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  exported.set(capture, out);
  return out;
}

/** An error: one line on stderr, exit 2, no stack trace, and neither OUT nor any .partial file left. */
function expectCleanFailure(r: ReturnType<typeof runCli>, out: string | null, pattern: RegExp) {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  if (out) expect(existsSync(out)).toBe(false);
  expect(readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([]);
}

describeWithPeers(['tshark'], 'export --pcapng, read by tshark and by show', () => {
  for (const [name, capture, port] of [
    ['seed (port 110)', SEED, 110],
    ['dovecot-curl (port 44449)', CURL, 44449],
  ] as const) {
    it(`${name}: POP3 in tshark, the exact recorded bytes, the same transactions in show, no secret`, async () => {
      const out = exportOnce(capture);
      expect(readdirSync(dir).filter((f) => f.includes('.partial'))).toEqual([]);
      const decodeAs = port === 110 ? [] : ['-d', `tcp.port==${port},pop`];

      const pop = tshark([
        '-r',
        out,
        ...decodeAs,
        '-Y',
        'pop',
        '-T',
        'fields',
        '-e',
        'pop.request.command',
        '-e',
        'pop.response.indicator',
      ])
        .split('\n')
        .filter((l) => l.trim());
      const commands = pop.map((l) => l.split('\t')[0]!.toUpperCase()).filter((c) => c);
      expect(pop.some((l) => l.split('\t')[1] === '+OK')).toBe(true);
      if (port === 110) {
        expect(commands).toEqual(['USER', 'PASS', 'LIST', 'RETR', 'DELE', 'RETR', 'DELE', 'QUIT']);
        const pass = tshark([
          '-r',
          out,
          '-Y',
          'pop.request.command == "pass"',
          '-T',
          'fields',
          '-e',
          'pop.request.parameter',
        ]);
        expect(pass.trim()).toBe('******');
      } else {
        expect(commands.length).toBeGreaterThan(2);
        expect(commands.at(-1)).toBe('QUIT');
      }

      // One TCP stream per session, in order: s1 is stream 0, s2 stream 1.
      const sessions = port === 110 ? ['s1'] : ['s1', 's2'];
      for (const [i, session] of sessions.entries()) {
        const want = recorded(capture, session);
        expect(want.c2s.length).toBeGreaterThan(0);
        expect(followRaw(out, decodeAs, i)).toEqual(want);
      }

      const bytes = readFileSync(out);
      for (const s of SECRETS) expect(bytes.includes(s)).toBe(false);
      const comments = spawnSync('capinfos', ['-k', out], { encoding: 'utf8' }).stdout;
      expect(comments).toMatch(/redacted: passwords/);

      // Read back through pop3scope's own trace reader: the same analysis as the capture itself.
      const back = runCli(['show', out, '--port', String(port), '--format', 'json']);
      expect(back.code, back.stderr).toBe(0);
      const exported = back.stdout
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Json);
      const original = await showJson(capture);
      expect(exported.length).toBe(original.length);
      expect(comparable(exported)).toEqual(comparable(original));
    });
  }

  it('--pcapng - writes the same bytes to a pipe, which tshark -r - reads', () => {
    const file = exportOnce(SEED);
    const teed = join(dir, 'pipe-teed.pcapng');
    // A real pipe (tshark refuses the socket pair node gives a child's stdin): export | tee | tshark.
    const node = `'${process.execPath}' --import tsx src/cli/main.ts`;
    const r = spawnSync(
      'sh',
      ['-c', `${node} export '${SEED}' --pcapng - | tee '${teed}' | tshark -r - -Y pop 2>/dev/null`],
      { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/C: user bob/);
    expect(r.stdout).toMatch(/C: pass \*\*\*\*\*\*/);
    expect(Buffer.compare(readFileSync(teed), readFileSync(file))).toBe(0);
  });

  it('export of a pcap (a pcapng it wrote, made pcap by editcap) round-trips', async () => {
    const first = exportOnce(SEED);
    const pcap = join(dir, 'rt.pcap');
    const second = join(dir, 'rt2.pcapng');
    expect(spawnSync('editcap', ['-F', 'pcap', first, pcap]).status).toBe(0);
    const r = exportTo(pcap, second);
    expect(r.code, r.stderr).toBe(0);
    expect(followRaw(second, [])).toEqual(recorded(SEED));
    expect(comparable(await showJson(second))).toEqual(comparable(await showJson(SEED)));
    expect(readFileSync(second).includes('hungry')).toBe(false);
  });
});

describe('export errors: one line, exit 2, nothing left behind', () => {
  it('no --pcapng', () => {
    expectCleanFailure(runCli(['export', SEED]), null, /^pop3scope: say what to export to: --pcapng OUT/);
  });

  it('a directory that does not exist', () => {
    const out = join(dir, 'no-such-dir', 'x.pcapng');
    expectCleanFailure(exportTo(SEED, out), out, /^pop3scope: cannot write .*x\.pcapng: ENOENT$/);
  });

  it('a file that is not a capture: an OUT that existed is left as it was', () => {
    const bad = join(dir, 'not-a-capture.txt');
    writeFileSync(bad, 'hello\n');
    const out = join(dir, 'kept.pcapng');
    writeFileSync(out, 'old');
    expectCleanFailure(exportTo(bad, out), null, /^pop3scope: .*not-a-capture\.txt: not a pop3scope capture/);
    expect(readFileSync(out, 'utf8')).toBe('old');
    rmSync(out);
  });

  it('--session that does not exist', () => {
    const out = join(dir, 'nosession.pcapng');
    expectCleanFailure(exportTo(SEED, out, '--session', 's9'), out, /^pop3scope: no session "s9" in /);
  });

  it('--pcapng - when stdout is a terminal (under script(1))', () => {
    const which = spawnSync('script', ['--version']);
    if (which.error) return; // no script(1): nothing gives this test a terminal
    const cmd = `${process.execPath} --import tsx src/cli/main.ts export ${SEED} --pcapng -`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    const lines = r.stdout.split(/\r?\n/).filter((l) => l.trim());
    expect(lines).toEqual([
      'pop3scope: --pcapng -: pcapng is binary; write it to a file, or pipe it (e.g. into tshark -r -)',
    ]);
  });
});
