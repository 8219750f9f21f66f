/**
 * mermaidSequence: a session as a Mermaid sequenceDiagram, on the real captures (analysed as `show` does) and
 * on hand-made edge cases: the arrows and notes in the order the SVG draws them, pop3scope's participant only
 * when it acted, the cap and its note, the text bound Mermaid itself imposes, never a secret. The escaping of
 * hostile labels is mermaid-escape.test.ts; Mermaid's own parser reads all of it in test/browser/mermaid.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MERMAID_MAX_ARROWS, MERMAID_MAX_TEXT } from '../../src/diagram/limits.js';
import { MermaidRecords, mermaidSequence, mermaidWeight } from '../../src/diagram/mermaid.js';
import { JSON_VERSION, type JsonRecord } from '../../src/render/json.js';
import { captureRecords, captureSession, emptySession, tx } from './records.js';

const base = { session: 's1', version: JSON_VERSION } as const;
const lines = (text: string) => text.split('\n');
/** The message lines (arrows) of a diagram: "Client->>Server: ...", not notes or participants. */
const arrows = (text: string) => lines(text).filter((l) => /^ {4}(Client|Server|pop3scope)(-|--)/.test(l));

describe('mermaidSequence on the real captures', () => {
  it('draws the seed’s download-and-delete session: every arrow, the phases, the bodies, the summary', async () => {
    const text = mermaidSequence(await captureSession('seed-download-and-delete'));
    expect(lines(text)).toEqual([
      'sequenceDiagram',
      '    participant Client',
      '    participant Server',
      '    Server-->>Client: +OK POP3 server ready',
      '    Note over Client,Server: AUTHORIZATION',
      '    Client->>Server: user bob',
      '    Server-->>Client: +OK',
      '    Client->>Server: pass #60;redacted 6 octets#62;',
      '    Server-->>Client: +OK user successfully logged on',
      '    Note over Client,Server: TRANSACTION',
      '    Client->>Server: list',
      '    Server-->>Client: +OK 2 messages (1410 octets)',
      '    Note right of Server: 14 octets, 2 lines',
      '    Client->>Server: retr 1',
      '    Server-->>Client: +OK 498 octets',
      '    Note right of Server: 498 octets, 16 lines',
      '    Client->>Server: dele 1',
      '    Server-->>Client: +OK message 1 deleted',
      '    Client->>Server: retr 2',
      '    Server-->>Client: +OK 912 octets',
      '    Note right of Server: 912 octets, 24 lines',
      '    Client->>Server: dele 2',
      '    Server-->>Client: +OK message 2 deleted',
      '    Client->>Server: quit',
      '    Server-->>Client: +OK POP3 server signing off (2 messages deleted)',
      '    Note over Client,Server: UPDATE',
      '    Note over Client,Server: retrieved 1, 2 · marked 1, 2 · removed 1, 2 · ended: server closed the connection after QUIT',
    ]);
    expect(text).not.toMatch(/hungry|aHVuZ3J5/);
  });

  it('draws pipelined commands before the answers they did not wait for, as async arrows', async () => {
    const l = lines(mermaidSequence(await captureSession('pipelined')));
    const at = (s: string) => l.indexOf(`    ${s}`);
    expect(at('Client-)Server: PASS #60;redacted 6 octets#62;')).toBe(at('Client->>Server: USER bob') + 1);
    expect(at('Server-->>Client: +OK Logged in.')).toBeGreaterThan(
      at('Client-)Server: PASS #60;redacted 6 octets#62;'),
    );
    // STAT, LIST, UIDL went out together; their three answers follow.
    expect(l.slice(at('Client->>Server: STAT'), at('Client->>Server: STAT') + 4)).toEqual([
      '    Client->>Server: STAT',
      '    Client-)Server: LIST',
      '    Client-)Server: UIDL',
      '    Server-->>Client: +OK 2 1410',
    ]);
    expect(at('Client-)Server: QUIT')).toBeLessThan(
      at('Server-->>Client: +OK Logging out, messages deleted.'),
    );
  });

  it('notes the buggy server’s violations with code and RFC, over the peer at fault', async () => {
    const l = lines(mermaidSequence(await captureSession('buggy-server')));
    const notes = l.filter((x) => x.includes('⚠'));
    expect(notes.map((x) => x.replace(/:.*$/, '').trim())).toEqual([
      'Note over Server', // POP3_STAT_MISMATCH
      'Note over Client,Server', // POP3_BARE_LINE_ENDING: either peer
      'Note over Server', // POP3_UNSTUFFED_DOT
      'Note over Server', // POP3_SIZE_MISMATCH
      'Note over Client', // POP3_NO_UPDATE: the client never sent QUIT
    ]);
    expect(notes[3]).toContain('⚠ POP3_SIZE_MISMATCH (RFC 1939 §5, §11): the size the server announced');
    // Each note sits right after the response it belongs to (and its body note).
    const retr = l.indexOf('    Client->>Server: RETR 1');
    expect(l.slice(retr + 1, retr + 3)).toEqual([
      '    Server-->>Client: +OK',
      '    Note right of Server: 188 octets, 7 lines',
    ]);
    expect(l.at(-1)).toBe(
      '    Note over Client,Server: retrieved 1 · marked 1 · removed — · ended: client reset the connection',
    );
  });

  it('draws a SASL exchange step by step, secrets masked as in the records', async () => {
    const text = mermaidSequence(await captureSession('auth-login'));
    expect(arrows(text).slice(1, 7)).toEqual([
      '    Client->>Server: AUTH LOGIN',
      '    Server-->>Client: + challenge "Username:"',
      '    Client->>Server: username="alice"',
      '    Server-->>Client: + challenge "Password:"',
      '    Client->>Server: password=#60;redacted 10 octets#62;',
      '    Server-->>Client: +OK Logged in.',
    ]);
    expect(text).not.toMatch(/wonderland|d29uZGVybGFuZA/);
  });

  it('has no secret in any capture’s diagram, and each fits Mermaid’s text limit', async () => {
    for (const name of [
      'seed-download-and-delete',
      'auth-login',
      'dovecot-poplib-auth-login',
      'dovecot-curl',
    ]) {
      const text = mermaidSequence(await captureSession(name));
      expect(text, name).not.toMatch(/hungry|wonderland|aHVuZ3J5|d29uZGVybGFuZA/);
      expect(text.length).toBeLessThan(MERMAID_MAX_TEXT);
    }
  });
});

describe('mermaidSequence on hand-made sessions', () => {
  it('shows -ERR and a missing answer as crossed arrows, an unfinished body as cut', () => {
    const s = emptySession({
      transactions: [
        tx(0, null, { text: 'hi' }),
        tx(1, 'RETR 9', { status: '-ERR', text: 'no such message' }),
        {
          ...tx(2, 'RETR 1', { text: '10 octets', multiline: true }),
          response: {
            ...tx(2, 'RETR 1').response,
            multiline: true,
            bodyOctets: 4,
            bodyLines: 1,
            complete: false,
            text: '10 octets',
          },
        },
        tx(3, 'NOOP', { status: null, text: '' }),
      ],
    });
    const l = lines(mermaidSequence(s));
    expect(l).toContain('    Server--xClient: -ERR no such message');
    expect(l).toContain('    Note right of Server: 4 octets, 1 line, cut before the final "."');
    expect(l).toContain('    Client->>Server: NOOP');
    // Nothing came back for NOOP: no arrow for it (as the SVG draws none).
    expect(l.filter((x) => x.includes('(no response)'))).toEqual([]);
  });

  it('adds pop3scope between the peers only when it answered, injected a fault or kept bytes back', () => {
    const plain = mermaidSequence(emptySession({ transactions: [tx(0, null)] }));
    expect(plain).not.toContain('pop3scope');
    const s = emptySession({
      transactions: [
        tx(0, null, { startedAt: 1000, endedAt: 1000 }),
        tx(1, 'STLS', { startedAt: 1100, endedAt: 1140 }),
      ],
      proxy: [{ ...base, type: 'proxy', at: 1150, dir: 's2c', text: '-ERR [SYS/PERM] no TLS here\r\n' }],
      alter: [
        {
          ...base,
          type: 'alter',
          at: 1160,
          dir: 's2c',
          what: 'STLS removed from CAPA',
          removed: 'STLS\r\n',
          code: null,
        },
      ],
      injected: [
        {
          ...base,
          type: 'injected',
          at: 1170,
          rule: 'RETR #1 cut 400',
          on: 'RETR 1',
          what: 'cut after 400 octets',
        },
      ],
      tls: [{ ...base, type: 'tls', at: 1140, how: 'stls', visibility: 'decrypted' }],
    });
    const l = lines(mermaidSequence(s));
    expect(l.slice(0, 4)).toEqual([
      'sequenceDiagram',
      '    participant Client',
      '    participant pop3scope',
      '    participant Server',
    ]);
    expect(l.slice(-5)).toEqual([
      '    Server-->>Client: +OK',
      '    Note over Client,Server: 🔒 TLS (STLS) from here, decrypted by pop3scope',
      '    pop3scope--xClient: -ERR [SYS/PERM] no TLS here',
      '    Server-xpop3scope: ✂ kept from the client: STLS (STLS removed from CAPA)',
      // The rule's # is an entity code: Mermaid would read #1 cut… as one.
      '    pop3scope--xClient: ⚡ injected (RETR #35;1 cut 400) on RETR 1: cut after 400 octets',
    ]);
    const implicit = mermaidSequence(
      emptySession({ tls: [{ ...base, type: 'tls', at: 1, how: 'implicit', visibility: 'opaque' }] }),
    );
    expect(implicit).toContain(
      'Note over Client,Server: 🔒 TLS (implicit) from the start, opaque to pop3scope',
    );
  });

  it('stops after maxArrows and says how many arrows and notes it left out', () => {
    const transactions = [tx(0, null), ...Array.from({ length: 50 }, (_, i) => tx(i + 1, `NOOP ${i + 1}`))];
    const text = mermaidSequence(emptySession({ transactions }), { maxArrows: 7 });
    expect(arrows(text)).toHaveLength(7);
    // 101 arrows in all (the greeting and 50 commands with their answers): 94 left out.
    expect(lines(text).at(-1)).toBe(
      '    Note over Client,Server: … 94 more arrows left out (this diagram stops after 7 arrows)',
    );
    // Never a hole: the cut keeps a prefix.
    expect(arrows(text).slice(-2)).toEqual(['    Client->>Server: NOOP 3', '    Server-->>Client: +OK']);
    expect(arrows(mermaidSequence(emptySession({ transactions })))).toHaveLength(101);
    // The default cap.
    const many = [tx(0, null), ...Array.from({ length: 400 }, (_, i) => tx(i + 1, 'NOOP'))];
    expect(arrows(mermaidSequence(emptySession({ transactions: many })))).toHaveLength(MERMAID_MAX_ARROWS);
  });

  it('keeps the text under Mermaid’s limit however long and hostile the labels', () => {
    const hostile = ';#%<>&'.repeat(200);
    const transactions = [
      tx(0, null),
      ...Array.from({ length: 300 }, (_, i) => tx(i + 1, hostile, { text: hostile })),
    ];
    const text = mermaidSequence(emptySession({ transactions }));
    // Mermaid refuses more than 50,000 characters (its maxTextSize, GitHub's too).
    expect(text.length).toBeLessThan(50_000);
    expect(text.length).toBeGreaterThan(MERMAID_MAX_TEXT - 2_000);
    expect(lines(text).at(-1)).toMatch(
      /^ {4}Note over Client,Server: … \d+ more arrows left out \(this diagram stops after \d+ arrows\)$/,
    );
    for (const l of lines(text)) expect(l.length).toBeLessThan(1_000);
  });
});

describe('MermaidRecords (what show keeps per session)', () => {
  it('keeps what it draws, counts the rest, and the summary still closes the diagram', async () => {
    const records = await captureRecords('seed-download-and-delete');
    const whole = new MermaidRecords();
    for (const r of records) whole.add(r);
    expect(whole.sequence()).toBe(mermaidSequence(await captureSession('seed-download-and-delete')));

    const cut = new MermaidRecords(5);
    for (const r of records) cut.add(r);
    const text = cut.sequence() ?? '';
    expect(arrows(text)).toHaveLength(5);
    const total = records.reduce((n, r) => n + mermaidWeight(r).arrows, 0);
    expect(total).toBe(17);
    expect(text).toContain(`… ${total - 5} more arrows and`);
    expect(lines(text).at(-1)).toContain('retrieved 1, 2 · marked 1, 2 · removed 1, 2');
    expect(new MermaidRecords().sequence()).toBeNull();
  });

  it('stays bounded on a session of 100,000 transactions and 10,000 session violations', () => {
    const keep = new MermaidRecords();
    for (let i = 0; i < 100_000; i++) keep.add(tx(i + 1, 'NOOP'));
    for (let i = 0; i < 10_000; i++)
      keep.add({
        ...base,
        type: 'violation',
        at: 1,
        code: 'POP3_UNEXPECTED_DATA',
        severity: 'warning',
        message: 'x',
        rfc: 'RFC 1939 §3',
      } as JsonRecord);
    const text = keep.sequence() ?? '';
    expect(arrows(text)).toHaveLength(MERMAID_MAX_ARROWS);
    expect(lines(text).at(-1)).toBe(
      `    Note over Client,Server: … ${200_000 - MERMAID_MAX_ARROWS} more arrows and 10000 notes left out (this diagram stops after 200 arrows)`,
    );
    // What it holds: the grouped session has only the kept transactions.
    expect((keep as unknown as { session: { transactions: unknown[] } }).session.transactions).toHaveLength(
      100,
    );
  });
});
