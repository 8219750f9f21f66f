/**
 * `pop3scope replay --step --no-ui` for a class (issue 17 item 4): each command is printed first with what it
 * asks (on stderr, the step's prompt), Enter prints its answer; stdout stays the transcript, the same as without
 * --step. Enter is read from stdin, piped here.
 */
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';

const SEED = 'captures/seed-download-and-delete.jsonl';

describe('replay --step --no-ui', () => {
  it('prints each command with what it asks before its answer; stdout is the same transcript as without --step', () => {
    const plain = runCli(['replay', SEED, '--no-ui', '--speed', '0']);
    const r = runCli(['replay', SEED, '--no-ui', '--step', '--speed', '0'], '\n'.repeat(30));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(plain.stdout);
    const asks = r.stderr.split('\n').filter((l) => l.includes('↳'));
    expect(asks).toEqual([
      '[s1]    ↳ The client names the mailbox "bob". What will the server answer? (Enter: the answer)',
      '[s1]    ↳ The client sends its password (hidden here). What will the server answer? (Enter: the answer)',
      '[s1]    ↳ The client asks for the list of messages. What will the server answer? (Enter: the answer)',
      '[s1]    ↳ The client asks for message 1. What will the server answer? (Enter: the answer)',
      '[s1]    ↳ The client asks to mark message 1 for deletion. What will the server answer? (Enter: the answer)',
      '[s1]    ↳ The client asks for message 2. What will the server answer? (Enter: the answer)',
      '[s1]    ↳ The client asks to mark message 2 for deletion. What will the server answer? (Enter: the answer)',
      '[s1]    ↳ The client asks to end the session. What will the server answer? (Enter: the answer)',
    ]);
    expect(r.stderr).toContain('[s1] C: pass <redacted 6 octets>\n');
  });

  it('hides the answer until Enter: after the LIST command "1 498" is not printed; after Enter it is', async () => {
    const p = startCli(['replay', SEED, '--no-ui', '--step', '--speed', '0'], 15_000);
    try {
      await p.until(() => p.got.stderr.includes('step by step'));
      // The greeting, USER and its answer, PASS and its answer, then the LIST command.
      p.child.stdin.write('\n'.repeat(6));
      await p.until(() => p.got.stderr.includes('[s1] C: list\n'));
      await new Promise((r) => setTimeout(r, 500));
      expect(p.got.stderr).toContain(
        '↳ The client asks for the list of messages. What will the server answer?',
      );
      expect(p.got.stdout).toContain('S: +OK user successfully logged on');
      expect(p.got.stdout).not.toContain('1 498');
      expect(p.got.stdout).not.toContain('C: list');
      p.child.stdin.write('\n');
      await p.until(() => p.got.stdout.includes('1 498'));
      expect(p.got.stdout).toMatch(/C: list\n\[s1\] S: \+OK 2 messages/);
      expect(p.got.stderr).not.toContain('C: retr 1');
      // Ctrl-D: the rest plays in time, without prompts.
      p.child.stdin.end();
      expect(await p.exited).toBe(0);
      expect(p.got.stdout).toContain('── summary of session s1 ──');
      expect(p.got.stderr).not.toContain('C: retr 1');
    } finally {
      p.child.kill();
    }
  });
});
