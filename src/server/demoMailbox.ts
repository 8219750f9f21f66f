/**
 * The demo maildrops served by `pop3scope serve --demo` and used as fixtures by the tests.
 * bob's two messages are exactly 498 and 912 octets (CRLF line endings counted, RFC 1939 §11) — the dialogue
 * the project's seed article walks through. alice's messages exercise the parser: lines that start with a
 * dot (stuffed on the wire), UTF-8 headers, and a larger message. Every call returns the same content.
 */

export interface DemoUser {
  readonly name: string;
  readonly password: string;
  /** Each message as it would be stored, with CRLF line endings and without dot-stuffing. */
  readonly messages: readonly Buffer[];
}

const CRLF = '\r\n';

/** Builds a message from header and body lines, padded with filler body lines to exactly `size` octets. */
function messageOfSize(headers: string[], body: string[], size: number): Buffer {
  const text = (lines: string[]) => lines.map((l) => l + CRLF).join('');
  const fixed = text([...headers, '', ...body]);
  let missing = size - Buffer.byteLength(fixed);
  if (missing < 0)
    throw new Error(`demo message is already ${Buffer.byteLength(fixed)} octets, over ${size}`);
  const filler: string[] = [];
  while (missing > 0) {
    // A filler line costs its text plus CRLF; the last one takes whatever remains.
    const take = Math.min(missing, 60);
    if (take < 3) {
      // Too short for a line of its own: lengthen the previous filler line instead.
      filler[filler.length - 1] += 'x'.repeat(take);
      missing = 0;
      break;
    }
    filler.push('~'.repeat(take - 2));
    missing -= take;
  }
  return Buffer.from(text([...headers, '', ...body, ...filler]), 'utf8');
}

function bobMessages(): Buffer[] {
  const first = messageOfSize(
    [
      'From: Alice <alice@example.org>',
      'To: Bob <bob@example.org>',
      'Subject: Lunch on Friday?',
      'Date: Mon, 02 Mar 2026 09:15:00 +0000',
      'Message-ID: <lunch-1@example.org>',
    ],
    ['Hi Bob,', '', 'Are you free for lunch on Friday? The usual place at noon.', '', 'Alice'],
    498,
  );
  const second = messageOfSize(
    [
      'From: Carol <carol@example.org>',
      'To: Bob <bob@example.org>',
      'Subject: Notes from the networking class',
      'Date: Tue, 03 Mar 2026 14:30:00 +0000',
      'Message-ID: <notes-2@example.org>',
    ],
    [
      'Bob,',
      '',
      'Here are my notes on POP3 from today:',
      '',
      '- A session goes through AUTHORIZATION, TRANSACTION and UPDATE.',
      '- USER and PASS send the name and password in the clear.',
      '- LIST shows the size of each message; RETR downloads one.',
      '- DELE only marks a message; QUIT makes the server remove it.',
      '',
      'See you next week,',
      'Carol',
    ],
    912,
  );
  return [first, second];
}

function aliceMessages(): Buffer[] {
  const dots = Buffer.from(
    [
      'From: White Rabbit <rabbit@example.org>',
      'To: Alice <alice@example.org>',
      'Subject: Lines that start with a dot',
      'Date: Wed, 04 Mar 2026 08:00:00 +0000',
      '',
      'The server must stuff each of the next lines with one more dot:',
      '.hidden line',
      '..two dots',
      '.',
      'and the client must remove it again.',
      '',
    ].join(CRLF),
    'utf8',
  );
  const utf8 = Buffer.from(
    [
      'From: =?UTF-8?B?0JDQu9C40YHQsA==?= <alisa@example.org>',
      'To: Alice <alice@example.org>',
      'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_M=C3=BCnchen?=',
      'Date: Thu, 05 Mar 2026 10:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Grüße aus München — 你好 — Привет.',
      '',
    ].join(CRLF),
    'utf8',
  );
  const bigLines = [
    'From: Library <library@example.org>',
    'To: Alice <alice@example.org>',
    'Subject: The whole catalogue',
    'Date: Fri, 06 Mar 2026 12:00:00 +0000',
    '',
  ];
  for (let i = 1; i <= 3000; i++) {
    bigLines.push(
      `${String(i).padStart(5, '0')} ${'Down the rabbit hole and through the looking glass. '.repeat(1)}`,
    );
  }
  bigLines.push('');
  const big = Buffer.from(bigLines.join(CRLF), 'utf8');
  return [dots, utf8, big];
}

/** The demo users, freshly built so every run starts from the same state. */
export function demoUsers(): DemoUser[] {
  return [
    { name: 'bob', password: 'hungry', messages: bobMessages() },
    { name: 'alice', password: 'wonderland', messages: aliceMessages() },
  ];
}
