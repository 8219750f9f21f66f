/**
 * `demo --play keep-vs-delete --no-ui`, as a class without a terminal dashboard meets it: the narration and the
 * comparison between the transcript's lines, the machines as separate sessions from their own addresses, the
 * home PC and laptop finding the mailbox empty in delete mode, every machine getting both in keep mode.
 */
import { describe, expect, it } from 'vitest';
import { canListen } from '../../src/listen.js';
import { runCli } from '../helpers/cli.js';
import { parseJsonLines } from '../helpers/proxyProcess.js';

/** A port of its own per run (the demo takes the next free one from there), so parallel suites never meet. */
const port = () => String(20000 + Math.floor(Math.random() * 20000));

/** The lines of the narration, without the transcript's "[sN]" lines. */
const narration = (stdout: string) => stdout.split('\n').filter((l) => l !== '' && !l.startsWith('['));

describe('demo --play keep-vs-delete --no-ui', () => {
  it('tells the story between the sessions and ends on the comparison', () => {
    const r = runCli(['demo', '--play', 'keep-vs-delete', '--no-ui', '--pace', '0', '--port', port()]);
    expect(r.code).toBe(0);
    const told = narration(r.stdout);
    const at = (line: string) => {
      const i = told.indexOf(line);
      expect(i, `"${line}" in:\n${told.join('\n')}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    // Round 1: delete. The office PC gets both; home and laptop find the mailbox empty, and are told why.
    const round1 = at('== Round 1 of 2: download-and-delete ==');
    expect(at('   office PC: got 1, 2; DELE marked them, QUIT removed 1, 2.')).toBeGreaterThan(round1);
    at('   home PC: the mailbox is empty, it gets nothing: the office PC deleted 1, 2 (DELE, then QUIT).');
    const laptop = at(
      '   laptop: the mailbox is empty, it gets nothing: the office PC deleted 1, 2 (DELE, then QUIT).',
    );
    // Round 2: keep, on a refilled mailbox, said on screen.
    const round2 = at('== Round 2 of 2: download-and-keep ==');
    expect(round2).toBeGreaterThan(laptop);
    expect(told[round2 + 1]).toBe('   The demo mailbox was refilled: 2 messages again.');
    expect(
      at('   home PC: got 1, 2 too, numbered afresh, unmarked: the server keeps no state across sessions.'),
    ).toBeGreaterThan(round2);
    at('   laptop: got 1, 2 as well: every machine sees every message.');
    at('   laptop: got 1, 2, DELE marked 1, 2, then the connection dropped: no QUIT, no UPDATE.');
    at(
      '   laptop again: 1, 2 listed, unmarked: the marks ended with the dropped session. QUIT removed 1, 2.',
    );
    // The comparison, last.
    const table = at("== Finished: what each of Bob's machines got ==");
    expect(told.slice(table + 1)).toEqual([
      '   office PC | delete: 1, 2 | keep: 1, 2',
      '   home PC   | delete: none | keep: 1, 2',
      '   laptop    | delete: none | keep: 1, 2',
      '   1: Lunch on Friday? (498 octets)',
      '   2: Notes from the networking class (912 octets)',
      "   Delete splits Bob's mail over his machines; keep lets every machine read every message.",
    ]);
    // Each note follows the transcript of the session it tells about.
    const lines = r.stdout.split('\n');
    const officeSummary = lines.findIndex((l) => l.startsWith('[s1] ── summary of session s1'));
    expect(officeSummary).toBeGreaterThan(-1);
    expect(lines.indexOf('   office PC: got 1, 2; DELE marked them, QUIT removed 1, 2.')).toBeGreaterThan(
      officeSummary,
    );
    expect(r.stdout + r.stderr).not.toContain('hungry');
  });

  it('each machine is a session of its own from its own address; with JSON the story goes to stderr', async () => {
    // Linux routes all of 127.0.0.0/8 to lo; elsewhere (macOS) every machine comes from 127.0.0.1.
    const own = await canListen('127.0.0.2');
    const address = (a: string) => (own ? a : '127.0.0.1');
    const r = runCli([
      'demo',
      '--play',
      'keep-vs-delete',
      '--format',
      'json',
      '--pace',
      '0',
      '--port',
      port(),
    ]);
    expect(r.code).toBe(0);
    // stdout stays one JSON record a line (runCli also checks every record against the schema).
    const summaries = parseJsonLines(r.stdout).filter((x) => x.type === 'summary');
    const rows = summaries.map((x) => [x.client.split(':')[0], x.mode, x.retrieved, x.removed]);
    expect(rows).toEqual([
      [address('127.0.0.2'), 'download-and-delete', [1, 2], [1, 2]],
      [address('127.0.0.3'), 'other', [], []],
      [address('127.0.0.4'), 'other', [], []],
      [address('127.0.0.2'), 'download-and-keep', [1, 2], []],
      [address('127.0.0.3'), 'download-and-keep', [1, 2], []],
      [address('127.0.0.4'), 'download-and-keep', [1, 2], []],
      [address('127.0.0.4'), 'download-and-delete', [1, 2], []],
      [address('127.0.0.4'), 'download-and-delete', [1, 2], [1, 2]],
    ]);
    // The dropped session marked both but removed nothing: its marks were discarded.
    expect(summaries[6]).toMatchObject({ marked: [1, 2], discarded: [1, 2] });
    // Home in keep mode: its own session, numbered from 1, nothing marked although the office PC retrieved both.
    const homeKeep = summaries[4]!.session;
    const uidl = parseJsonLines(r.stdout).find(
      (x) => x.type === 'transaction' && x.session === homeKeep && x.command?.verb === 'UIDL',
    );
    expect(uidl.response.listing.map((l: string) => l.split(' ')[0])).toEqual(['1', '2']);
    expect(r.stderr).toContain("== Finished: what each of Bob's machines got ==");
    expect(r.stderr).toContain('   laptop    | delete: none | keep: 1, 2');
  });

  it('--play both says that it finished', () => {
    const r = runCli(['demo', '--play', 'both', '--no-ui', '--pace', '0', '--port', port()]);
    expect(r.code).toBe(0);
    expect(narration(r.stdout)).toEqual([
      '== Playing download-and-keep, then download-and-delete ==',
      '   ▸ download-and-keep: UIDL, RETR each, QUIT…',
      '   download-and-keep: played; the messages stay on the server.',
      '   ▸ download-and-delete: LIST, RETR + DELE each, QUIT…',
      '== Finished: download-and-keep, then download-and-delete ==',
      '   download-and-keep: played; the messages stay on the server.',
      '   download-and-delete: played; QUIT removed the messages.',
    ]);
  });
});
