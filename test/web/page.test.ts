/**
 * The page's pure parts, without a browser: how bytes are shown, the list's entries and filters, the
 * report's embedded source, the detail of a clicked arrow.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { groupRecords, sessionKey } from '../../src/diagram/sessions.js';
import type { JsonRecord } from '../../src/render/json.js';
import { visibleBytes } from '../../src/web/page/bytesView.js';
import { arrowDetail } from '../../src/web/page/detail.js';
import { embeddableJson, INDEX_ID, partId } from '../../src/web/page/embedded.js';
import { embeddedSource } from '../../src/web/page/embeddedSource.js';
import {
  EntryBuilder,
  filterEntries,
  type IndexEntry,
  matches,
  modesOf,
  NO_FILTER,
  type SessionEntry,
} from '../../src/web/page/entries.js';
import { ROOT } from '../helpers/cli.js';
import { prng } from '../helpers/prng.js';

let seed: JsonRecord[] | null = null;
/** The seed's records as `show --format json` prints them (read once: the CLI takes a second to start). */
const seedRecords = (): JsonRecord[] => {
  seed ??= execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'show',
      'captures/seed-download-and-delete.jsonl',
      '--format',
      'json',
    ],
    { cwd: ROOT, encoding: 'utf8' },
  )
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as JsonRecord);
  return seed;
};

describe('visibleBytes', () => {
  it.each([
    ['USER bob\r\n', 'USER bob␍␊\n'],
    ['bare LF\n', 'bare LF␊\n'],
    ['bare CR\r', 'bare CR␍'],
    ['tab\there', 'tab\\x09here'],
    ['NUL\u0000DEL\u007f', 'NUL\\x00DEL\\x7F'],
    ['Subject: \u00c3\u00a9t\u00c3\u00a9', 'Subject: \\xC3\\xA9t\\xC3\\xA9'],
    ['back\\slash', 'back\\\\slash'],
    ['', ''],
    ['wide \u20ac', 'wide \\u{20AC}'],
  ])('%j is shown as %j', (bytes, shown) => {
    expect(visibleBytes(bytes)).toEqual({ text: shown, cut: 0 });
  });

  it('is unambiguous: the shown text maps back to the very octets, for random bytes', () => {
    const random = prng(16);
    const unshow = (t: string) =>
      t.replace(/␍|␊\n|\\\\|\\x([0-9A-F]{2})/g, (m, h: string | undefined) =>
        m === '␍'
          ? '\r'
          : m === '␊\n'
            ? '\n'
            : m === '\\\\'
              ? '\\'
              : String.fromCharCode(Number.parseInt(h!, 16)),
      );
    for (let n = 0; n < 200; n++) {
      let bytes = '';
      const length = Math.floor(random() * 64);
      for (let i = 0; i < length; i++) bytes += String.fromCharCode(Math.floor(random() * 256));
      const shown = visibleBytes(bytes).text;
      expect(unshow(shown)).toBe(bytes);
      // Nothing invisible reaches the page but the line breaks it adds after ␊.
      expect(shown.replace(/␊\n/g, '')).toMatch(/^[\x20-\x7e␍]*$/);
    }
  });

  it('cuts at the cap and says how much it left out', () => {
    expect(visibleBytes('abcdef\r\n', 4)).toEqual({ text: 'abcd', cut: 4 });
  });
});

const entry = (o: Partial<SessionEntry>): SessionEntry => ({
  key: sessionKey(undefined, o.session ?? 's1'),
  session: 's1',
  user: 'bob',
  client: '127.0.0.1:5000',
  upstream: '127.0.0.1:110',
  mode: 'download-and-delete',
  violations: 0,
  commands: 3,
  startedAt: 0,
  ended: true,
  ...o,
});

describe('the session list: entries and filters', () => {
  const entries = [
    entry({ session: 's1', user: 'bob' }),
    entry({ session: 's2', user: 'alice', mode: 'download-and-keep', violations: 2 }),
    entry({ session: 's3', user: null, mode: 'other', client: '10.0.0.7:999', file: 'lab/tuesday.jsonl' }),
  ];
  const shown = (f: Parameters<typeof filterEntries>[1]) => filterEntries(entries, f).map((e) => e.session);

  it('filters on text (user, session, client, file; any case), violations and mode', () => {
    expect(shown(NO_FILTER)).toEqual(['s1', 's2', 's3']);
    expect(shown({ ...NO_FILTER, text: 'ALI' })).toEqual(['s2']);
    expect(shown({ ...NO_FILTER, text: ' s3 ' })).toEqual(['s3']);
    expect(shown({ ...NO_FILTER, text: '10.0.0' })).toEqual(['s3']);
    expect(shown({ ...NO_FILTER, text: 'tuesday' })).toEqual(['s3']);
    expect(shown({ ...NO_FILTER, text: 'carol' })).toEqual([]);
    expect(shown({ ...NO_FILTER, onlyViolations: true })).toEqual(['s2']);
    expect(shown({ ...NO_FILTER, mode: 'other' })).toEqual(['s3']);
    expect(shown({ text: 'bob', onlyViolations: true, mode: '' })).toEqual([]);
    expect(matches(entries[0]!, { ...NO_FILTER, mode: 'download-and-keep' })).toBe(false);
    expect(modesOf(entries)).toEqual(['download-and-delete', 'download-and-keep', 'other']);
  });

  it('filters 10,000 entries in well under a frame budget of work', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => entry({ session: `s${i}`, user: `user${i % 97}` }));
    const t0 = performance.now();
    const got = filterEntries(many, { ...NO_FILTER, text: 'user42' });
    expect(got.length).toBe(Math.ceil((10_000 - 42) / 97));
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('EntryBuilder: what the records said so far, then the summary settles it', () => {
    const records = seedRecords();
    const b = new EntryBuilder(sessionKey(undefined, 's1'), 's1');
    for (const r of records.slice(0, 4)) b.add(r);
    expect(b.entry()).toMatchObject({ user: 'bob', commands: 2, ended: false, mode: null, violations: 0 });
    for (const r of records.slice(4)) b.add(r);
    expect(b.entry()).toMatchObject({
      user: 'bob',
      commands: 8,
      ended: true,
      mode: 'download-and-delete',
      client: '127.0.0.1:50110',
      upstream: '127.0.0.1:110',
    });
  });
});

/** A document holding the given element texts by id. */
const fakeDocument = (elements: Record<string, string>) => ({
  getElementById: (id: string) => (id in elements ? { textContent: elements[id]! } : null),
});

describe('embeddedSource', () => {
  it('reads the index, and a session only from its parts, in order', () => {
    const records = seedRecords();
    const index: IndexEntry[] = [{ ...entry({}), parts: [3, 7] }];
    const doc = fakeDocument({
      [INDEX_ID]: embeddableJson(index),
      [partId(3)]: embeddableJson(records.slice(0, 5)),
      [partId(7)]: embeddableJson(records.slice(5)),
      [partId(4)]: embeddableJson(['not this one']),
    });
    const source = embeddedSource(doc);
    expect(source.index()).toEqual(index);
    expect(source.records(source.index()[0]!)).toEqual(records);
    const got: JsonRecord[][] = [];
    const statuses: string[] = [];
    source.start(
      (r) => got.push([...r]),
      (s) => statuses.push(s),
    );
    expect(got).toEqual([records]);
    expect(statuses).toEqual(['ended']);
  });

  it('a missing or broken element is an empty list, not an exception', () => {
    const source = embeddedSource(fakeDocument({ [INDEX_ID]: '[{"broken"', [partId(0)]: 'nope' }));
    expect(source.index()).toEqual([]);
    expect(source.records({ ...entry({}), parts: [0, 1] })).toEqual([]);
  });

  it('embeddableJson never lets a record end its script element, and reads back the same', () => {
    const hostile = { text: '</script><script>alert(1)</script><!-- \u2028' };
    const json = embeddableJson(hostile);
    expect(json).not.toMatch(/<\/?script|<!--/i);
    expect(json).not.toContain('<');
    expect(JSON.parse(json)).toEqual(hostile);
  });
});

describe('arrowDetail', () => {
  const s = () => groupRecords(seedRecords())[0]!;

  it('shows the recorded line when the record has no bytes, with the explanation and latency', () => {
    const d = arrowDetail(s(), 'r4')!;
    expect(d).toMatchObject({ exact: false, bytes: '+OK 498 octets', latency: '40 ms', rfc: 'RFC 1939 §5' });
    expect(d.body).toBe('body: 498 octets · 16 lines');
    expect(d.explain).toContain('message 1 in full');
    expect(arrowDetail(s(), 'c2')).toMatchObject({ bytes: 'pass <redacted 6 octets>', exact: false });
    expect(arrowDetail(s(), 'r0')?.title).toBe('greeting: +OK POP3 server ready');
    expect(arrowDetail(s(), 'r0')?.latency).toBe('—');
  });

  it('shows the exact bytes of the `bytes` field, and what was left out', () => {
    const base = s();
    const tx = base.transactions.map((t) =>
      t.seq === 4
        ? {
            ...t,
            bytes: { command: 'retr 1\r\n', response: '+OK 498 octets\r\nReceived: x\r\n', omitted: 470 },
          }
        : t,
    );
    const with4 = { ...base, transactions: tx };
    expect(arrowDetail(with4, 'c4')).toMatchObject({ exact: true, bytes: 'retr 1␍␊\n' });
    expect(arrowDetail(with4, 'r4')).toMatchObject({
      exact: true,
      bytes: '+OK 498 octets␍␊\nReceived: x␍␊\n',
      omitted: '470 more octets not in this report',
    });
  });

  it('says "1 line", not "1 lines" (regression: the buggy server\'s one-line LIST)', () => {
    const base = s();
    const one = base.transactions.map((t) =>
      t.seq === 3 ? { ...t, response: { ...t.response, bodyOctets: 7, bodyLines: 1 } } : t,
    );
    expect(arrowDetail({ ...base, transactions: one }, 'r3')?.body).toBe('body: 7 octets · 1 line');
  });

  it('is null for an arrow the session does not have', () => {
    expect(arrowDetail(s(), 'c0')).toBeNull(); // the greeting has no command
    expect(arrowDetail(s(), 'r99')).toBeNull();
    expect(arrowDetail(s(), 'p0')).toBeNull();
    expect(arrowDetail(s(), 'x1')).toBeNull();
  });
});
