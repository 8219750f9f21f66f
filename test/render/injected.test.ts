/**
 * An injected fault in every renderer: the text transcript's line (coloured as pop3scope's own actions), the
 * summary's count only when there was one, the JSON record, the Markdown report's header, the pcapng comment.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent, SessionSummary } from '../../src/analysis/types.js';
import { jsonLine, jsonRecord, withFile } from '../../src/render/json.js';
import { markdownReport } from '../../src/render/markdown.js';
import { PcapngExport } from '../../src/render/pcapng.js';
import { COLOUR, PLAIN } from '../../src/render/style.js';
import { actionLines, injectedLine, summaryLines, TranscriptPrinter } from '../../src/render/text.js';
import { expectValidJsonOutput } from '../helpers/schema.js';

const INJECTED: Extract<EngineEvent, { type: 'injected' }> = {
  type: 'injected',
  session: 's1',
  t: 1500,
  rule: 'RETR #1 cut 400',
  on: 'RETR 1',
  what: "cut after 400 of the response's octets",
};
const LINE = "⚡ injected (RETR #1 cut 400) on RETR 1: cut after 400 of the response's octets";

const SUMMARY: SessionSummary = {
  session: 's1',
  client: '127.0.0.1:1',
  upstream: '127.0.0.1:110',
  user: 'bob',
  auth: 'USER/PASS',
  tls: 'none',
  phases: [{ phase: 'AUTHORIZATION', at: 1000 }],
  mode: 'download-and-keep',
  commands: 3,
  retrieved: [1],
  marked: [],
  removed: [],
  discarded: [],
  violations: {},
  bytes: { c2s: 30, s2c: 400 },
  startedAt: 1000,
  endedAt: 2000,
  durationMs: 1000,
  closedBy: 'proxy',
  closeReason: 'a fault closed the connection',
};

describe('the text transcript', () => {
  it('shows one line for an injected fault, in the colour of pop3scope’s own actions', () => {
    expect(injectedLine(INJECTED)).toBe(LINE);
    expect(actionLines(INJECTED)).toEqual([LINE]);
    expect(new TranscriptPrinter().event(INJECTED)).toEqual([LINE]);
    expect(injectedLine(INJECTED, COLOUR)).toBe(COLOUR.warn(LINE));
    const own: EngineEvent = { type: 'proxy', session: 's1', t: 1, dir: 's2c', text: '-ERR x\r\n' };
    // The same paint as pop3scope's own -ERR: yellow, not the server's green nor an error's red.
    expect(COLOUR.warn('x')).not.toBe(COLOUR.server('x'));
    expect(actionLines(own as Extract<EngineEvent, { type: 'proxy' }>, COLOUR)[0]).toBe(
      COLOUR.warn('pop3scope → client: -ERR x'),
    );
  });

  it('makes a rule or a what from the wire printable (no control byte reaches the terminal)', () => {
    expect(injectedLine({ ...INJECTED, on: 'RETR \x1b[2J1', what: 'x\ry' })).toBe(
      '⚡ injected (RETR #1 cut 400) on RETR \\x1b[2J1: x\\x0dy',
    );
  });

  it('counts injected faults on the summary’s violations line, only when there were any', () => {
    expect(summaryLines({ ...SUMMARY, injected: 2 }, { style: PLAIN })[3]).toBe(
      'violations none · injected 2',
    );
    expect(
      summaryLines({ ...SUMMARY, violations: { POP3_NO_UPDATE: 1 }, injected: 1 }, { style: PLAIN })[3],
    ).toBe('violations POP3_NO_UPDATE×1 · injected 1');
    expect(summaryLines(SUMMARY, { style: PLAIN })[3]).toBe('violations none');
    expect(summaryLines(SUMMARY).join('\n')).not.toContain('injected');
  });
});

describe('the JSON output', () => {
  it('has an injected record with at for t, and the summary’s injected count', () => {
    expect(jsonLine(INJECTED)).toBe(
      `{"type":"injected","session":"s1","version":1,"at":1500,"rule":"RETR #1 cut 400","on":"RETR 1","what":"cut after 400 of the response's octets"}`,
    );
    const summary = jsonRecord({ type: 'summary', session: 's1', summary: { ...SUMMARY, injected: 1 } });
    expect(summary).toMatchObject({ type: 'summary', injected: 1 });
    const plain = jsonLine({ type: 'summary', session: 's1', summary: SUMMARY })!;
    expect(plain).not.toContain('injected');
    const several = withFile(jsonRecord(INJECTED)!, 'a.jsonl');
    expect(Object.keys(several)).toEqual(['type', 'session', 'file', 'version', 'at', 'rule', 'on', 'what']);
    expectValidJsonOutput(
      [jsonRecord(INJECTED), summary, several, JSON.parse(plain)],
      'injected records and summaries',
    );
  });
});

describe('the Markdown report', () => {
  const report = (summary: SessionSummary) =>
    markdownReport({ summary, lines: [LINE], violations: [] }).split('\n');

  it('says how many faults were injected on its header line, only when there were any', () => {
    expect(report({ ...SUMMARY, injected: 3 })[2]).toBe(
      'client 127.0.0.1:1 → server 127.0.0.1:110 · auth USER/PASS · tls none · mode download-and-keep · 1.000 s · injected 3',
    );
    expect(report(SUMMARY)[2]).toBe(
      'client 127.0.0.1:1 → server 127.0.0.1:110 · auth USER/PASS · tls none · mode download-and-keep · 1.000 s',
    );
    expect(report(SUMMARY)).toContain(LINE);
  });
});

describe('the pcapng export', () => {
  it('writes an injected fault as a packet comment on the next packet, like pop3scope’s own actions', () => {
    const x = new PcapngExport();
    const start = {
      session: 's1',
      t: 1000,
      client: '127.0.0.1:1',
      upstream: '127.0.0.1:110',
      tls: 'none' as const,
    };
    const data: EngineEvent = {
      type: 'data',
      session: 's1',
      dir: 's2c',
      t: 1501,
      bytes: Buffer.from('+OK\r\n'),
    };
    // A note rides on the session's next packet.
    const bytes = Buffer.concat([x.header(), ...x.start(start), ...x.event(INJECTED), ...x.event(data)]);
    expect(bytes.includes(Buffer.from(LINE, 'utf8'))).toBe(true);
    const without = Buffer.concat([new PcapngExport().header(), ...new PcapngExport().start(start)]);
    expect(without.includes(Buffer.from('⚡ injected', 'utf8'))).toBe(false);
  });
});
