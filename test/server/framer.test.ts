import { describe, expect, it } from 'vitest';
import { CommandFramer, type CommandLine } from '../../src/server/framer.js';

function frameWhole(input: string): CommandLine[] {
  return new CommandFramer().push(Buffer.from(input));
}

describe('command framing', () => {
  const input = 'USER bob\r\nPASS two words\r\nSTAT\nLIST 1\r\n';
  const expected = ['USER bob', 'PASS two words', 'STAT', 'LIST 1'];

  it('splits lines on CRLF, and accepts a bare LF', () => {
    expect(frameWhole(input).map((l) => l.text)).toEqual(expected);
  });

  it('gives the same lines when the input is split at every possible point', () => {
    for (let cut = 0; cut <= input.length; cut++) {
      const framer = new CommandFramer();
      const lines = [
        ...framer.push(Buffer.from(input.slice(0, cut))),
        ...framer.push(Buffer.from(input.slice(cut))),
      ];
      expect(lines.map((l) => l.text)).toEqual(expected);
    }
  });

  it('gives the same lines when the input arrives one byte at a time', () => {
    const framer = new CommandFramer();
    const lines = [...Buffer.from(input)].flatMap((b) => framer.push(Buffer.from([b])));
    expect(lines.map((l) => l.text)).toEqual(expected);
  });

  it('holds an unfinished line until its ending arrives', () => {
    const framer = new CommandFramer();
    expect(framer.push(Buffer.from('NO'))).toEqual([]);
    expect(framer.pending).toBe(2);
    expect(framer.push(Buffer.from('OP\r\n')).map((l) => l.text)).toEqual(['NOOP']);
  });

  it('flags a line over 255 octets (CRLF included) and accepts one of exactly 255', () => {
    const exact = `NOOP ${'x'.repeat(248)}\r\n`;
    expect(Buffer.byteLength(exact)).toBe(255);
    expect(frameWhole(exact)[0]!.tooLong).toBe(false);
    const over = `NOOP ${'x'.repeat(249)}\r\n`;
    const [line] = frameWhole(over);
    expect(line!.tooLong).toBe(true);
    expect(line!.octets).toBe(256);
  });

  it('keeps only a bounded prefix of an endless line and resynchronises at its end', () => {
    const framer = new CommandFramer();
    const megabyte = Buffer.alloc(1024 * 1024, 0x41);
    for (let i = 0; i < 16; i++) expect(framer.push(megabyte)).toEqual([]);
    expect(framer.pending).toBe(16 * 1024 * 1024);
    const lines = framer.push(Buffer.from('\r\nNOOP\r\n'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({ text: '', octets: 16 * 1024 * 1024 + 2, tooLong: true });
    expect(lines[1]).toEqual({ text: 'NOOP', octets: 6, tooLong: false });
  });
});
