/**
 * demo --play --step (issue 17 item 4): the built-in client shows each command (its password masked) with what
 * it asks, then waits for the key before sending it; the answer is the server's own. With --no-ui the key is
 * Enter on stdin (piped here), and the end of stdin plays the rest at its pace.
 */
import { describe, expect, it } from 'vitest';
import { StepKey, upcoming } from '../../src/demo/stepKey.js';
import { runCli, startCli } from '../helpers/cli.js';

const port = () => String(20_000 + Math.floor(Math.random() * 20_000));
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('StepKey', () => {
  it('a wait ends at the next press; presses made before count, one each', async () => {
    const key = new StepKey();
    let through = 0;
    const waited = key.wait().then(() => through++);
    await settle();
    expect(through).toBe(0);
    key.press();
    await waited;
    expect(through).toBe(1);
    key.press();
    key.press();
    await key.wait();
    await key.wait();
    let third = false;
    void key.wait().then(() => (third = true));
    await settle();
    expect(third).toBe(false);
    key.release();
    await settle();
    expect(third).toBe(true);
  });

  it('released, the presses already made still step (and show their prompt); then every wait is let through', async () => {
    const key = new StepKey();
    key.press();
    key.press();
    key.release();
    expect(key.stepping).toBe(true);
    await key.wait();
    expect(key.stepping).toBe(true);
    await key.wait();
    expect(key.stepping).toBe(false);
    await key.wait();
  });
});

describe('upcoming: a command as the class sees it before it is sent', () => {
  it('masks the password the way the engine does, and says what the command asks', () => {
    expect(upcoming('PASS hungry')).toEqual({
      line: 'PASS <redacted 6 octets>',
      ask: 'The client sends its password (hidden here). What will the server answer?',
    });
    expect(upcoming('LIST')).toEqual({
      line: 'LIST',
      ask: 'The client asks for the list of messages. What will the server answer?',
    });
    expect(upcoming('RETR 2').ask).toBe('The client asks for message 2. What will the server answer?');
  });
});

describe('demo --play --step --no-ui', () => {
  it('with piped Enters: each of the first commands is shown with what it asks before it is sent; then the rest plays', () => {
    const r = runCli(
      ['demo', '--play', 'download-and-delete', '--step', '--no-ui', '--pace', '0', '--port', port()],
      '\n\n\n',
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Enter sends the client's next command, shown first with what it asks");
    const out = r.stdout;
    const order = [
      '   next: C: USER bob\n   ↳ The client names the mailbox "bob". What will the server answer? (Enter sends it)\n',
      '[s1] C: USER bob\n',
      '   next: C: PASS <redacted 6 octets>\n   ↳ The client sends its password (hidden here). What will the server answer? (Enter sends it)\n',
      '[s1] C: PASS <redacted 6 octets>\n',
      '   next: C: LIST\n   ↳ The client asks for the list of messages. What will the server answer? (Enter sends it)\n',
      '[s1] C: LIST\n',
      '[s1] C: RETR 1\n',
    ];
    const at = order.map((x) => out.indexOf(x));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // After stdin ended the rest plays without prompts.
    expect(out).not.toContain('next: C: RETR 1');
    expect(out).toContain('Finished: download-and-delete');
    expect(`${out}${r.stderr}`).not.toContain('hungry');
  });

  it('waits for Enter before sending: the command is shown, nothing is sent until the key', async () => {
    const p = startCli([
      'demo',
      '--play',
      'download-and-keep',
      '--step',
      '--no-ui',
      '--pace',
      '0',
      '--port',
      port(),
    ]);
    try {
      await p.until(() => p.got.stdout.includes('next: C: USER bob'));
      await new Promise((r) => setTimeout(r, 600));
      expect(p.got.stdout).not.toContain('[s1] C: USER bob');
      p.child.stdin.write('\n');
      await p.until(() => p.got.stdout.includes('next: C: PASS <redacted 6 octets>'));
      expect(p.got.stdout).toMatch(/\[s1\] C: USER bob\n\[s1\] S: \+OK/);
      await new Promise((r) => setTimeout(r, 400));
      expect(p.got.stdout).not.toContain('[s1] C: PASS');
      p.child.stdin.end();
      expect(await p.exited).toBe(0);
      expect(p.got.stdout).toContain('[s1] C: UIDL');
      expect(p.got.stdout).toContain('Finished: download-and-keep');
    } finally {
      p.child.kill();
    }
  });

  it('keep-vs-delete and both step too', () => {
    for (const play of ['both', 'keep-vs-delete']) {
      const r = runCli(
        ['demo', '--play', play, '--step', '--no-ui', '--pace', '0', '--port', port()],
        '\n\n',
      );
      expect(r.code).toBe(0);
      expect(r.stdout.match(/ {3}next: C: /g)).toHaveLength(2);
      expect(r.stdout).toContain('Finished');
    }
  }, 60_000);

  it('--step without --play is refused in one line', () => {
    const r = runCli(['demo', '--step', '--no-ui', '--port', port()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('pop3scope: --step needs --play MODE: it steps the built-in client\n');
  });
});
