/**
 * The explanations' wording (issue 17 item 5), on every sample capture and on dialogues made for the cases the
 * captures lack: whole sentences that end in a full stop (also after a quoted server text), counts that agree
 * with their noun ("1 message", never "1 messages" or "line(s)"), a marked message "marked for deletion", and
 * no explanation contradicted by the next thing on screen: QUIT's "removes nothing" is followed by the UPDATE
 * phase's reason, which must not say that marked messages are removed, and both agree with the summary.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { showJson } from '../fixtures/golden.js';
import { c, LOGIN, multiline, runDialogue, s, txOf, txsOf, wholeChunks } from '../helpers/chunking.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON output records, read field by field
type Rec = Record<string, any>;

const captures = readdirSync(new URL('../../captures/', import.meta.url)).filter((f) => f.endsWith('.jsonl'));

/** What no explanation may say: a count of one with a plural noun, "(s)", a marked message called deleted. */
const BAD_WORDING: readonly RegExp[] = [
  /(?<![0-9.])1 (messages|octets|lines|steps|commands)\b/,
  /\(s\)/,
  /already deleted/,
];

function expectWellWorded(text: string, where: string): void {
  expect(text, where).toMatch(/\.$/);
  expect(text, where).not.toMatch(/\.\.$/);
  // Only pop3scope's own words: a server's text quoted in them is what that server said.
  const own = text.replace(/"[^"]*"/g, '"…"');
  for (const bad of BAD_WORDING) expect(own, where).not.toMatch(bad);
}

async function records(file: string): Promise<Rec[]> {
  return (await showJson(`captures/${file}`))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Rec);
}

describe('every sample capture: the explanations', () => {
  it('has samples that QUIT with nothing marked and with marks (else the checks below prove nothing)', async () => {
    const all = (await Promise.all(captures.map(records))).flat();
    const summaries = all.filter(
      (r) => r.type === 'summary' && r.phases.some((p: Rec) => p.phase === 'UPDATE'),
    );
    expect(summaries.some((x) => x.removed.length === 0)).toBe(true);
    expect(summaries.some((x) => x.removed.length > 0)).toBe(true);
  });

  for (const file of captures) {
    it(`${file}: each explanation ends with a full stop and counts in agreeing words`, async () => {
      const txs = (await records(file)).filter((r) => r.type === 'transaction');
      expect(txs.length).toBeGreaterThan(0);
      for (const tx of txs) expectWellWorded(tx.explain, `${file} ${tx.session} #${tx.seq}`);
    });

    it(`${file}: QUIT's explanation, the UPDATE phase's reason and the summary agree`, async () => {
      const all = await records(file);
      for (const summary of all.filter((r) => r.type === 'summary')) {
        const mine = all.filter((r) => r.session === summary.session);
        const quit = mine.find(
          (r) => r.type === 'transaction' && r.command?.verb === 'QUIT' && r.phase === 'TRANSACTION',
        );
        if (!quit) continue;
        const update = mine.find((r) => r.type === 'phase' && r.to === 'UPDATE');
        expect(update, `${file} ${summary.session}`).toBeDefined();
        // The reason holds whether or not anything was marked: it may not claim a removal outright.
        expect(update!.reason).not.toMatch(/(^|: )marked messages are removed/);
        if (summary.removed.length === 0) {
          expect(quit.explain).toContain('removes nothing');
          expect(update!.reason).toMatch(/if any/);
        } else {
          expect(quit.explain).toContain(`(${summary.removed.join(', ')}).`);
          expect(quit.explain).not.toContain('removes nothing');
        }
      }
    });
  }
});

describe('the cases the captures lack', () => {
  const one = multiline(['x']);
  const dialogue = [
    ...LOGIN,
    c('LIST\r\n'),
    s('+OK 1 messages\r\n1 3\r\n.\r\n'),
    c('LIST 1\r\n'),
    s('+OK 1 1\r\n'),
    c('RETR 1\r\n'),
    s(`+OK\r\n${one}`),
    c('TOP 1 1\r\n'),
    s(`+OK\r\n${one}`),
    c('TOP 1 0\r\n'),
    s('+OK\r\n.\r\n'),
    c('DELE 1\r\n'),
    s('+OK\r\n'),
    c('DELE 1\r\n'),
    s('-ERR message 1 already deleted\r\n'),
    c('QUIT\r\n'),
    s('+OK bye\r\n'),
  ];

  it('one message, one octet, one line: singular nouns', () => {
    const r = runDialogue(dialogue, wholeChunks);
    const [list, listOne] = txsOf(r, 'LIST');
    expect(list!.explain).toBe('The server lists each message with its size in octets: 1 message.');
    expect(listOne!.explain).toBe('The server gives the size of message 1: 1 octet.');
    expect(txOf(r, 'RETR').explain).toBe(
      'The server sends message 1 in full: 3 octets in 1 line. Downloading does not delete it.',
    );
    const [top1, top0] = txsOf(r, 'TOP');
    expect(top1!.explain).toBe(
      'The server sends the headers of message 1 and the first 1 line of its body: 1 line in all.',
    );
    expect(top0!.explain).toBe(
      'The server sends the headers of message 1 and none of its body: 0 lines in all.',
    );
    expect(txOf(r, 'QUIT').explain).toBe(
      'The client ends the session. The server enters UPDATE and removes the 1 message marked for deletion (1).',
    );
    for (const tx of r.transactions) expectWellWorded(tx.explain, tx.command?.line ?? 'greeting');
  });

  it('a refusal quoting the server ends with a full stop after the quote', () => {
    const r = runDialogue(dialogue, wholeChunks);
    expect(txsOf(r, 'DELE')[1]!.explain).toBe('The server refused: "message 1 already deleted".');
    const refused = runDialogue(
      [
        s(LOGIN[0]![1] as string),
        c('USER eve\r\n'),
        s('-ERR no such user\r\n'),
        c('USER bob\r\n'),
        s('+OK\r\n'),
        c('PASS x\r\n'),
        s('-ERR [AUTH] wrong password\r\n'),
      ],
      wholeChunks,
    );
    expect(txsOf(refused, 'USER')[0]!.explain).toBe(
      'The server refused the user name "eve": "no such user".',
    );
    expect(txOf(refused, 'PASS').explain).toBe(
      'The server refused the password [AUTH]: "wrong password". The session stays in AUTHORIZATION.',
    );
  });

  it('a command left unanswered is said without a claim, in whole sentences', () => {
    const r = runDialogue([...LOGIN, c('TOP 1 2\r\n')], wholeChunks);
    const top = txOf(r, 'TOP');
    expect(top.explain).toBe(
      'The client asks for the headers of message 1 and the first 2 lines of its body. The connection ended before the server answered: nothing came back, and nothing is known to have changed.',
    );
  });
});
