/**
 * explainAsk: what a command asks, said before its answer is known (replay --step, demo --play --step). It must
 * not claim anything happened, must read the same whatever the answer will be, and must end with the question.
 */
import { describe, expect, it } from 'vitest';
import { ASK_QUESTION, explainAsk } from '../../src/analysis/explain.js';

const ask = (line: string) => {
  const [verb = '', ...args] = line.split(' ');
  return explainAsk({ verb: verb.toUpperCase(), args });
};

describe('explainAsk', () => {
  it.each([
    ['USER bob', 'The client names the mailbox "bob". What will the server answer?'],
    ['PASS <redacted 6 octets>', 'The client sends its password (hidden here). What will the server answer?'],
    ['LIST', 'The client asks for the list of messages. What will the server answer?'],
    ['LIST 2', 'The client asks for the size of message 2. What will the server answer?'],
    ['RETR 1', 'The client asks for message 1. What will the server answer?'],
    ['DELE 1', 'The client asks to mark message 1 for deletion. What will the server answer?'],
    ['QUIT', 'The client asks to end the session. What will the server answer?'],
    ['UIDL', 'The client asks for the unique ids. What will the server answer?'],
    [
      'TOP 1 0',
      'The client asks for the headers of message 1 and none of its body. What will the server answer?',
    ],
    ['AUTH PLAIN', 'The client authenticates with SASL PLAIN. What will the server answer?'],
    ['AUTH', 'The client asks for the SASL mechanisms. What will the server answer?'],
    ['XYZZY', 'The client sends "XYZZY", which POP3 does not define. What will the server answer?'],
    ['', 'The client sends an empty line. What will the server answer?'],
  ])('%s', (line, want) => {
    expect(ask(line)).toBe(want);
  });

  it('never says what happened: no +OK, -ERR, "accepts", "refused" or a result', () => {
    for (const line of ['USER bob', 'PASS x', 'LIST', 'RETR 1', 'DELE 1', 'RSET', 'QUIT', 'STAT', 'NOOP']) {
      const text = ask(line);
      expect(text).not.toMatch(/\+OK|-ERR|accept|refus|removed|deleted|marked for deletion \(/i);
      expect(text.endsWith(ASK_QUESTION)).toBe(true);
    }
  });
});
