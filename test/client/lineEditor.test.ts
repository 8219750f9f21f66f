/**
 * The client's readline wiring, in a stand-in terminal (streams that say they are TTYs): the password is
 * echoed as `*` key by key and in redraws, the history keeps it masked while the real line is still handed on,
 * and Tab completes from the core's candidates.
 */
import type readline from 'node:readline';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { lineEditor } from '../../src/cli/lineEditor.js';
import { ClientCore } from '../../src/client/core.js';

class Screen extends Writable {
  text = '';
  isTTY = true;
  columns = 80;
  rows = 24;
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

function editor() {
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {} });
  const screen = new Screen();
  const core = new ClientCore({ explain: false });
  core.fromServer(Buffer.from('+OK ready\r\n'), 1);
  const rl = lineEditor({ input, output: screen, terminal: true, typing: core });
  const lines: string[] = [];
  rl.on('line', (l) => lines.push(l));
  rl.setPrompt(core.prompt());
  rl.prompt();
  return { input, screen, rl, lines, core };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

describe('lineEditor in a terminal', () => {
  let open: readline.Interface | null = null;
  afterEach(() => {
    open?.close();
    open = null;
  });

  it('echoes PASS’s argument as *, key by key, keeps it masked in history, hands on the real line', async () => {
    const e = editor();
    open = e.rl;
    for (const ch of 'pass hungry') e.input.write(ch);
    e.input.write('\r');
    await tick();
    expect(e.lines).toEqual(['pass hungry']);
    expect(e.screen.text).toContain('pass ******');
    expect(e.screen.text).not.toMatch(/h.?u.?n.?g.?r.?y/);
    expect((e.rl as unknown as { history: string[] }).history).toEqual(['pass ******']);
    // Up brings the masked line back, and its redraw shows no secret either.
    e.input.write('\x1b[A');
    await tick();
    expect(e.rl.line).toBe('pass ******');
  });

  it('masks a line pasted at once and one edited in the middle (a redraw)', async () => {
    const e = editor();
    open = e.rl;
    e.input.write('pass secret');
    // Left twice and type: readline redraws the whole line.
    e.input.write('\x1b[D');
    e.input.write('\x1b[D');
    e.input.write('X');
    await tick();
    expect(e.rl.line).toBe('pass secrXet');
    expect(e.screen.text).not.toMatch(/secr|cret|X/);
    expect(e.screen.text).toContain('pass *******');
  });

  it('completes "us" + Tab to USER, from the commands of the current phase', async () => {
    const e = editor();
    open = e.rl;
    e.input.write('u');
    e.input.write('s');
    e.input.write('\t');
    await tick();
    expect(e.rl.line).toBe('USER ');
  });
});
