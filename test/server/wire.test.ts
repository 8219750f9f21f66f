import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DotStuffer, stuffedBody, WireSizeCounter, wireSize } from '../../src/server/wire.js';
import { unstuff } from './helpers.js';

function stuff(message: Buffer | string, bodyLines?: number): string {
  const s = new DotStuffer(bodyLines);
  return Buffer.concat([s.push(Buffer.from(message)), s.end()]).toString('latin1');
}

/** What a message is on the wire before stuffing: CRLF for bare LF, and a final CRLF when missing. */
function normalized(message: Buffer): Buffer {
  let text = message.toString('latin1').replace(/(?<!\r)\n/g, '\r\n');
  if (text !== '' && !text.endsWith('\n')) text += '\r\n';
  return Buffer.from(text, 'latin1');
}

async function* chunks(message: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    yield message.subarray(at, cut);
    at = cut;
  }
  yield message.subarray(at);
}

// Bytes biased towards the ones that matter for framing: '.', CR, LF.
const messageBytes = fc
  .array(fc.oneof(fc.constantFrom(0x2e, 0x0d, 0x0a, 0x0a), fc.integer({ min: 0, max: 255 })), {
    maxLength: 200,
  })
  .map((a) => Buffer.from(a));

describe('dot-stuffing and line endings (RFC 1939 §3)', () => {
  it('adds one dot to every line that starts with a dot, and ends the body with .CRLF', () => {
    expect(stuff('.hidden\r\n..two\r\n.\r\nplain\r\n')).toBe('..hidden\r\n...two\r\n..\r\nplain\r\n.\r\n');
  });

  it('sends a stored bare LF as CRLF and leaves a bare CR alone', () => {
    expect(stuff('a\nb\rc\r\n')).toBe('a\r\nb\rc\r\n.\r\n');
  });

  it('ends an unterminated last line with CRLF before the terminator', () => {
    expect(stuff('no newline')).toBe('no newline\r\n.\r\n');
  });

  it('answers an empty message with the terminator alone', () => {
    expect(stuff('')).toBe('.\r\n');
    expect(wireSize(Buffer.alloc(0))).toBe(0);
  });

  it('counts a CR split from its LF across chunks as one CRLF', () => {
    const s = new DotStuffer();
    const out = Buffer.concat([s.push(Buffer.from('x\r')), s.push(Buffer.from('\n.y\n')), s.end()]);
    expect(out.toString('latin1')).toBe('x\r\n..y\r\n.\r\n');
    const c = new WireSizeCounter();
    c.push(Buffer.from('x\r'));
    c.push(Buffer.from('\n.y\n'));
    expect(c.size).toBe(7);
  });

  it('property: the unstuffed body is the normalized message and its length is wireSize', () => {
    fc.assert(
      fc.property(messageBytes, (message) => {
        const body = unstuff(Buffer.from(stuff(message), 'latin1'));
        expect(body.equals(normalized(message))).toBe(true);
        expect(body.length).toBe(wireSize(message));
      }),
    );
  });

  it('property: splitting the stored message into any chunks changes neither output nor size', async () => {
    await fc.assert(
      fc.asyncProperty(messageBytes, fc.array(fc.nat(), { maxLength: 6 }), async (message, rawCuts) => {
        const cuts = rawCuts.map((c) => c % (message.length + 1));
        const parts: Buffer[] = [];
        for await (const part of stuffedBody(chunks(message, cuts))) parts.push(part);
        expect(Buffer.concat(parts).toString('latin1')).toBe(stuff(message));
        const counter = new WireSizeCounter();
        for await (const part of chunks(message, cuts)) counter.push(part);
        expect(counter.size).toBe(wireSize(message));
      }),
    );
  });
});

describe('TOP (RFC 1939 §7)', () => {
  const message = 'Subject: x\r\nFrom: y\r\n\r\nline 1\r\n.line 2\r\nline 3\r\n';

  it('TOP n 0 sends the headers and the blank line only', () => {
    expect(stuff(message, 0)).toBe('Subject: x\r\nFrom: y\r\n\r\n.\r\n');
  });

  it('TOP n 2 sends at most two body lines, stuffed', () => {
    expect(stuff(message, 2)).toBe('Subject: x\r\nFrom: y\r\n\r\nline 1\r\n..line 2\r\n.\r\n');
  });

  it('a count larger than the body sends the whole message', () => {
    expect(stuff(message, 99999999)).toBe(stuff(message));
  });

  it('finds the blank line when the stored message uses LF endings', () => {
    expect(stuff('A: 1\n\nbody 1\nbody 2\n', 1)).toBe('A: 1\r\n\r\nbody 1\r\n.\r\n');
  });

  it('stops reading the source once TOP has all it needs', async () => {
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield Buffer.from(i === 0 ? 'H: 1\r\n\r\n' : `body ${i}\r\n`);
      }
    }
    const parts: Buffer[] = [];
    for await (const part of stuffedBody(source(), 2)) parts.push(part);
    expect(Buffer.concat(parts).toString()).toBe('H: 1\r\n\r\nbody 1\r\nbody 2\r\n.\r\n');
    expect(pulled).toBe(3);
  });
});
