/**
 * The streaming capture reader (capture format v1): good files, files cut short by a crash, bad lines, files
 * that are not captures, newer versions, and tolerance of what a newer writer may add.
 */
import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type CaptureRecord, type DataRecord, dataBytes, headerRecord } from '../../src/capture/format.js';
import { MAX_CAPTURE_LINE } from '../../src/capture/limits.js';
import { CaptureError, readCapture } from '../../src/capture/reader.js';

const header = JSON.stringify(headerRecord('1.2.3', new Date('2026-03-02T09:15:00Z')));
const open =
  '{"type":"open","session":"s1","t":1000,"client":"127.0.0.1:5","upstream":"127.0.0.1:110","tls":"none"}';
const data1 = '{"type":"data","session":"s1","t":1001,"dir":"s2c","text":"+OK grüße €\\r\\n"}';
const data2 = `{"type":"data","session":"s1","t":1002,"dir":"c2s","b64":"${Buffer.from([0, 0xff, 0x0d, 0x0a]).toString('base64')}"}`;
const tls =
  '{"type":"tls","session":"s1","t":1003,"how":"stls","visibility":"decrypted","cipher":"TLS_AES_128_GCM_SHA256"}';
const close = '{"type":"close","session":"s1","t":1004,"by":"client","reason":"done"}';
const GOOD = [header, open, data1, data2, tls, close];

async function read(input: string | Buffer | Readable, name = 'cap.jsonl') {
  const stream =
    input instanceof Readable ? input : Readable.from([Buffer.from(input)], { objectMode: false });
  const records: CaptureRecord[] = [];
  const warnings: string[] = [];
  for await (const record of readCapture(stream, name, (w) => warnings.push(w))) records.push(record);
  return { records, warnings };
}

async function readError(input: string): Promise<CaptureError> {
  try {
    await read(input);
  } catch (error) {
    expect(error).toBeInstanceOf(CaptureError);
    return error as CaptureError;
  }
  throw new Error('expected a CaptureError');
}

describe('readCapture', () => {
  it('reads a good file: every record in order, data bytes exact', async () => {
    const { records, warnings } = await read(`${GOOD.join('\n')}\n`);
    expect(warnings).toEqual([]);
    expect(records.map((r) => r.type)).toEqual(['header', 'open', 'data', 'data', 'tls', 'close']);
    expect(dataBytes(records[2] as DataRecord).toString('utf8')).toBe('+OK grüße €\r\n');
    expect([...dataBytes(records[3] as DataRecord)]).toEqual([0, 0xff, 0x0d, 0x0a]);
    expect(records[4]).toMatchObject({
      how: 'stls',
      visibility: 'decrypted',
      cipher: 'TLS_AES_128_GCM_SHA256',
    });
  });

  it('reads the same records however the stream is chunked, multi-byte characters split included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pop3scope-reader-'));
    const path = join(dir, 'cap.jsonl');
    writeFileSync(path, `${GOOD.join('\n')}\n`);
    const whole = await read(createReadStream(path));
    for (const highWaterMark of [1, 2, 3, 5, 7, 64]) {
      expect(await read(createReadStream(path, { highWaterMark }))).toEqual(whole);
    }
  });

  it('accepts CRLF line endings, blank lines and a missing final newline', async () => {
    const { records, warnings } = await read(`${GOOD.slice(0, 3).join('\r\n')}\r\n\r\n\n${close}`);
    expect(records.map((r) => r.type)).toEqual(['header', 'open', 'data', 'close']);
    expect(warnings).toEqual([]);
  });

  it('keeps everything before a truncated last line and warns about it', async () => {
    const { records, warnings } = await read(
      `${GOOD.slice(0, 3).join('\n')}\n{"type":"data","session":"s1","t":10`,
    );
    expect(records.map((r) => r.type)).toEqual(['header', 'open', 'data']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('line 4 is cut short');
    expect(warnings[0]).toContain('cap.jsonl');
  });

  it('refuses a bad line in the middle, naming its line number', async () => {
    const error = await readError(`${header}\n${open}\n{"type":"data",\n${close}\n`);
    expect(error.message).toBe('cap.jsonl: line 3 is not valid JSON');
  });

  it('refuses a record that lacks what its type needs, naming the line', async () => {
    expect(
      (await readError(`${header}\n${open}\n{"type":"data","session":"s1","t":5,"dir":"up","text":"x"}\n`))
        .message,
    ).toContain('line 3: a data record needs "dir"');
    expect((await readError(`${header}\n{"type":"open","t":5}\n`)).message).toContain(
      'line 2: a open record needs a "session" string',
    );
    expect((await readError(`${header}\n{"type":"close","session":"s","t":"late"}\n`)).message).toContain(
      'line 2: a close record needs a numeric "t"',
    );
    expect((await readError(`${header}\n{"session":"s"}\n`)).message).toContain('line 2: no "type" field');
    expect((await readError(`${header}\n[1,2]\n`)).message).toContain('line 2: not a JSON object');
  });

  it('refuses what is not a capture', async () => {
    expect((await readError('hello world\n')).message).toContain(
      'not a pop3scope capture (line 1 is not JSON)',
    );
    expect((await readError(`${open}\n`)).message).toContain(
      'not a pop3scope capture (line 1 is not a "pop3scope-capture" header)',
    );
    expect((await readError('{"type":"header","format":"pcap","version":1}\n')).message).toContain(
      'not a pop3scope capture',
    );
    expect((await readError('')).message).toContain('empty file');
  });

  it('refuses a file of blank lines only', async () => {
    expect((await readError('\n\n')).message).toContain('not a pop3scope capture');
  });

  it('refuses a newer version even after a blank first line', async () => {
    const v2 = JSON.stringify({ ...JSON.parse(header), version: 2 });
    expect((await readError(`\n${v2}\n${open}\n`)).message).toContain('newer');
  });

  it('refuses records without a header even after a blank first line', async () => {
    expect((await readError(`\n${open}\n${close}\n`)).message).toContain('not a pop3scope capture');
  });

  it('refuses a newer format version, saying so', async () => {
    const v2 = JSON.stringify({ ...JSON.parse(header), version: 2 });
    const error = await readError(`${v2}\n${open}\n`);
    expect(error.message).toContain('capture format version 2 is newer than this pop3scope reads (1)');
    expect(error.message).toContain('upgrade');
  });

  it('skips unknown record types and keeps records with unknown fields', async () => {
    const future = '{"type":"annotation","session":"s1","t":1002,"note":"from a newer writer"}';
    const extra = '{"type":"data","session":"s1","t":1003,"dir":"c2s","text":"QUIT\\r\\n","mss":1460}';
    const { records } = await read(`${header}\n${open}\n${future}\n${extra}\n${close}\n`);
    expect(records.map((r) => r.type)).toEqual(['header', 'open', 'data', 'close']);
    expect(dataBytes(records[2] as DataRecord).toString()).toBe('QUIT\r\n');
  });

  it('says what is wrong with a version that is missing, not an integer, or too old', async () => {
    const withVersion = (v: unknown) => {
      const h = JSON.parse(header) as Record<string, unknown>;
      if (v === undefined) delete h.version;
      else h.version = v;
      return `${JSON.stringify(h)}\n${open}\n`;
    };
    expect((await readError(withVersion(undefined))).message).toBe(
      'cap.jsonl: the capture header has no "version"',
    );
    expect((await readError(withVersion('1'))).message).toBe(
      `cap.jsonl: the capture header's "version" must be an integer, not "1"`,
    );
    expect((await readError(withVersion(null))).message).toBe(
      `cap.jsonl: the capture header's "version" must be an integer, not null`,
    );
    expect((await readError(withVersion(1.5))).message).toContain('must be an integer, not 1.5');
    expect((await readError(withVersion(0))).message).toBe('cap.jsonl: unsupported capture format version 0');
    expect((await readError(withVersion(-1))).message).toBe(
      'cap.jsonl: unsupported capture format version -1',
    );
  });

  it('accepts a leading UTF-8 byte order mark, however the stream is split', async () => {
    const text = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${GOOD.join('\n')}\n`)]);
    const expected = (await read(`${GOOD.join('\n')}\n`)).records;
    expect((await read(text)).records).toEqual(expected);
    for (const split of [1, 2, 3, 4]) {
      const stream = Readable.from([text.subarray(0, split), text.subarray(split)], { objectMode: false });
      expect((await read(stream)).records).toEqual(expected);
    }
    // Only at the very start: elsewhere it is not JSON.
    expect((await readError(`${header}\n\uFEFF${open}\n`)).message).toBe(
      'cap.jsonl: line 2 is not valid JSON',
    );
  });

  it('refuses a timestamp outside the range of dates, naming the line', async () => {
    for (const t of ['1e308', '-5', '8.64e15001', '9e15']) {
      const line = `{"type":"data","session":"s1","t":${t},"dir":"c2s","text":"x"}`;
      const message = (await readError(`${header}\n${open}\n${line}\n`)).message;
      expect(message).toMatch(
        /^cap\.jsonl: line 3: a data record( needs a numeric "t"|'s "t" must be milliseconds since 1970)/,
      );
    }
    expect((await read(`${header}\n${open.replace('1000', '8640000000000000')}\n`)).records).toHaveLength(2);
  });

  it('refuses a line longer than MAX_CAPTURE_LINE at once, without reading or keeping the rest of it', async () => {
    let pulled = 0;
    const MiB = Buffer.alloc(1024 * 1024, 'a');
    async function* huge() {
      yield Buffer.from(`${header}\n{"type":"data","session":"s1","t":1,"dir":"c2s","text":"`);
      // 200 MiB without a newline: the reader must stop at 16 MiB, not hold 200 (the report's 800 MB RSS).
      for (; pulled < 200; pulled++) yield MiB;
    }
    const stream = Readable.from(huge(), { objectMode: false });
    const error = await (async () => {
      try {
        await read(stream);
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(CaptureError);
    expect(error!.message).toBe(
      `cap.jsonl: line 2 is longer than ${MAX_CAPTURE_LINE / 1024 / 1024} MiB, far more than any capture record holds; not read`,
    );
    expect(pulled).toBeLessThan(MAX_CAPTURE_LINE / MiB.length + 4);
  });

  it('reads lines up to the limit whole and byte by byte, with a small limit', async () => {
    const text = `${GOOD.join('\n')}\n`;
    const longest = Math.max(...GOOD.map((l) => l.length));
    const bytes = Buffer.from(text);
    const bytewise = () =>
      Readable.from(
        [...bytes].map((b) => Buffer.from([b])),
        { objectMode: false },
      );
    for (const stream of [() => Readable.from([bytes], { objectMode: false }), bytewise]) {
      const records: CaptureRecord[] = [];
      for await (const r of readCapture(stream(), 'cap.jsonl', () => {}, longest)) records.push(r);
      expect(records).toHaveLength(GOOD.length);
      await expect(async () => {
        for await (const _ of readCapture(stream(), 'cap.jsonl', () => {}, longest - 1));
      }).rejects.toThrow(/line \d+ is longer than \d+ characters/);
    }
  });

  it('tells apart sessions that reuse an id (files appended to by older versions): s1, s1#2', async () => {
    const again = open.replace('"t":1000', '"t":2000');
    const data = '{"type":"data","session":"s1","t":2001,"dir":"s2c","text":"+OK\\r\\n"}';
    const { records } = await read(`${header}\n${open}\n${close}\n${again}\n${data}\n${close}\n${again}\n`);
    expect(records.slice(1).map((r) => (r as { session: string }).session)).toEqual([
      's1',
      's1',
      's1#2',
      's1#2',
      's1#2',
      's1#3',
    ]);
  });

  it('reads a gap record and checks its counts', async () => {
    const gap = '{"type":"gap","session":"s1","t":1002,"records":3,"octets":196608}';
    const { records } = await read(`${header}\n${open}\n${gap}\n${close}\n`);
    expect(records[2]).toEqual(JSON.parse(gap));
    expect((await readError(`${header}\n${gap.replace('3', '-3')}\n`)).message).toBe(
      'cap.jsonl: line 2: a gap record needs "records" and "octets" counts',
    );
  });

  it('tolerates a second header (an appended run)', async () => {
    const { records } = await read(`${header}\n${open}\n${header}\n${close}\n`);
    expect(records.map((r) => r.type)).toEqual(['header', 'open', 'close']);
  });
});
