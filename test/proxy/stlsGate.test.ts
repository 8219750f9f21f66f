/**
 * The STLS gates without sockets (proxy/stlsGate.ts), tested the engine's way: every dialogue is fed whole, byte
 * by byte and at random splits, and each way must give the same decisions — the same bytes to each side, the
 * same actions of pop3scope's own, the same upgrade, the same engine events. A small relay stands in for the
 * proxy session: it writes what a gate forwards and inspects, after the write, what the gate let pass unseen.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Inspector } from '../../src/analysis/inspector.js';
import { actionEvents } from '../../src/capture/actions.js';
import { MAX_GATED_LINE } from '../../src/proxy/limits.js';
import {
  type GateAction,
  type GateEngine,
  Lines,
  STRIP_REFUSAL,
  stlsGate,
  stlsLineEnd,
} from '../../src/proxy/stlsGate.js';
import {
  bytewiseChunks,
  type Chunker,
  Collector,
  c,
  cutsArbitrary,
  type Dialogue,
  digest,
  GREETING,
  type NormalEvent,
  s,
  splitChunks,
  wholeChunks,
} from '../helpers/chunking.js';

interface GateRun {
  /** The engine's events other than data, in order (pop3scope's own actions among them). */
  readonly events: NormalEvent[];
  /** The masked bytes the engine handed on, per direction (digests). */
  readonly data: { readonly c2s: string; readonly s2c: string };
  /** What reached the server and the client in cleartext. */
  readonly toServer: string;
  readonly toClient: string;
  readonly actions: GateAction[];
  readonly upgraded: boolean;
}

/**
 * Feeds a dialogue through a gate, each step cut by `chunker`. After an upgrade both sides are TLS: the gate
 * sees nothing more (a dialogue puts the server's +OK to STLS at the end of its step).
 */
function runGate(mode: 'intercept' | 'strip', dialogue: Dialogue, chunker: Chunker): GateRun {
  const inspector = new Inspector('test', { client: '192.0.2.1:50000', upstream: '192.0.2.2:110' }, 0);
  const out = new Collector();
  const actions: GateAction[] = [];
  let t = 0;
  const engine: GateEngine = {
    feed: (dir, bytes) => {
      const events = inspector.receive(dir, bytes, t);
      out.add(events);
      return events;
    },
    listingOf: () => inspector.listingOf(),
    act: (list) => {
      for (const a of list) {
        actions.push(a);
        out.add(actionEvents(inspector, { ...a, t }));
      }
    },
  };
  const gate = stlsGate(mode, engine)!;
  const toServer: Buffer[] = [];
  const toClient: Buffer[] = [];
  let upgraded = false;
  dialogue.forEach((step, i) => {
    if (upgraded || step[0] === 'tls') return;
    t = i + 1;
    const [dir, raw] = step;
    const bytes = typeof raw === 'string' ? Buffer.from(raw, 'latin1') : Buffer.from(raw);
    let at = 0;
    for (const n of chunker(bytes.length, i)) {
      if (upgraded) break;
      const chunk = bytes.subarray(at, at + n);
      at += n;
      const d = dir === 'c2s' ? gate.fromClient(chunk) : gate.fromServer(chunk);
      if (d.forward?.length) (dir === 'c2s' ? toServer : toClient).push(Buffer.from(d.forward));
      if (!d.inspected) engine.feed(dir, chunk);
      if (d.reply) toClient.push(Buffer.from(d.reply, 'latin1'));
      if (d.upgrade) {
        toClient.push(Buffer.from(d.upgrade.before), Buffer.from(d.upgrade.answer));
        upgraded = true;
      }
    }
  });
  out.add(inspector.close(dialogue.length + 1, 'client', 'test over'));
  const r = out.result({ c2s: [], s2c: [] });
  return {
    events: r.events,
    data: { c2s: digest(r.data.c2s), s2c: digest(r.data.s2c) },
    toServer: Buffer.concat(toServer).toString('latin1'),
    toClient: Buffer.concat(toClient).toString('latin1'),
    actions,
    upgraded,
  };
}

/** Runs a dialogue whole, byte by byte and at random splits: the same run each way. Returns the whole run. */
function sameEachWay(mode: 'intercept' | 'strip', dialogue: Dialogue, numRuns = 40): GateRun {
  const whole = runGate(mode, dialogue, wholeChunks);
  expect(runGate(mode, dialogue, bytewiseChunks()), 'byte by byte vs whole').toEqual(whole);
  fc.assert(
    fc.property(cutsArbitrary(dialogue.length), (cuts) => {
      expect(runGate(mode, dialogue, splitChunks(cuts)), 'random splits vs whole').toEqual(whole);
    }),
    { numRuns },
  );
  return whole;
}

const violations = (r: GateRun, code: string) =>
  r.events.filter((e) => e.type === 'violation' && (e.violation as { code: string }).code === code);
const verbs = (r: GateRun) =>
  r.events
    .filter((e) => e.type === 'transaction')
    .map((e) => (e.tx as { command: { verb: string } | null }).command?.verb ?? 'greeting');

const CAPA_CLEAR = '+OK\r\nTOP\r\nUSER\r\nSTLS\r\n.\r\n';
const LONG = 'X'.repeat(MAX_GATED_LINE + 100);

describe('STLS intercept gate', () => {
  it('STLS and an injected command in one client chunk: only the STLS line goes up, the rest is flagged', () => {
    const r = sameEachWay('intercept', [s(GREETING), c('STLS\r\nUSER evil\r\n'), s('+OK go\r\n')]);
    expect(r.toServer).toBe('STLS\r\n');
    expect(r.toClient).toBe(`${GREETING}+OK go\r\n`);
    expect(r.upgraded).toBe(true);
    expect(violations(r, 'POP3_STLS_INJECTION')).toHaveLength(1);
    expect(verbs(r)).toEqual(['greeting', 'STLS']);
  });

  it('pipelined CAPA and STLS: all of CAPA reaches the client, then the +OK, then the upgrade', () => {
    const r = sameEachWay('intercept', [s(GREETING), c('CAPA\r\nSTLS\r\n'), s(`${CAPA_CLEAR}+OK go\r\n`)]);
    expect(r.toServer).toBe('CAPA\r\nSTLS\r\n');
    expect(r.toClient).toBe(`${GREETING}${CAPA_CLEAR}+OK go\r\n`);
    expect(r.upgraded).toBe(true);
    expect(violations(r, 'POP3_STLS_INJECTION')).toEqual([]);
    expect(verbs(r)).toEqual(['greeting', 'CAPA', 'STLS']);
  });

  it('client bytes sent while the answer is awaited are held back for good and flagged', () => {
    const r = sameEachWay('intercept', [
      s(GREETING),
      c('STLS\r\n'),
      c('PASS early-secret\r\n'),
      s('+OK go\r\n'),
    ]);
    expect(r.toServer).toBe('STLS\r\n');
    expect(r.upgraded).toBe(true);
    expect(violations(r, 'POP3_STLS_INJECTION')).toHaveLength(1);
  });

  it('a refused STLS: everything goes on in cleartext, nothing is held', () => {
    const client = ['STLS\r\n', 'USER bob\r\n', 'QUIT\r\n'];
    const server = [GREETING, '-ERR no TLS\r\n', '+OK\r\n', '+OK bye\r\n'];
    const r = sameEachWay('intercept', [
      s(server[0]!),
      c(client[0]!),
      s(server[1]!),
      c(client[1]!),
      s(server[2]!),
      c(client[2]!),
      s(server[3]!),
    ]);
    expect(r.toServer).toBe(client.join(''));
    expect(r.toClient).toBe(server.join(''));
    expect(r.upgraded).toBe(false);
    expect(verbs(r)).toEqual(['greeting', 'STLS', 'USER', 'QUIT']);
  });

  it('the server sends cleartext after its +OK in the same chunk: it is flagged and never reaches the client', () => {
    const r = runGate(
      'intercept',
      [s(GREETING), c('STLS\r\n'), s('+OK go\r\n-ERR injected\r\n')],
      wholeChunks,
    );
    expect(r.toClient).toBe(`${GREETING}+OK go\r\n`);
    expect(r.upgraded).toBe(true);
    expect(violations(r, 'POP3_STLS_INJECTION')).toHaveLength(1);
  });

  it('a server line longer than MAX_GATED_LINE while the answer is awaited is passed on, not held', () => {
    const listing = `+OK\r\n${LONG}\r\n.\r\n`;
    const r = sameEachWay('intercept', [s(GREETING), c('CAPA\r\nSTLS\r\n'), s(`${listing}+OK go\r\n`)], 5);
    expect(r.toClient).toBe(`${GREETING}${listing}+OK go\r\n`);
    expect(r.upgraded).toBe(true);
  });

  it('regression: an STLS line begun in an earlier chunk ends where it ends, not at a later STLS line', () => {
    // "NOOP\r\nST" | "LS\r\nNOOP\r\nSTLS\r\n": the STLS the engine sees is the first; the gate used to look for
    // an STLS line inside the chunk only, found the second one and let the NOOP between them reach the server.
    const dialogue: Dialogue = [s(GREETING), c('NOOP\r\nSTLS\r\nNOOP\r\nSTLS\r\n'), s('+OK\r\n+OK go\r\n')];
    const whole = runGate('intercept', dialogue, wholeChunks);
    expect(whole.toServer).toBe('NOOP\r\nSTLS\r\n');
    expect(runGate('intercept', dialogue, splitChunks([[], [8], []]))).toEqual(whole);
    sameEachWay('intercept', dialogue);
  });
});

describe('STLS strip gate', () => {
  it('hides STLS from CAPA and refuses the client’s STLS itself, in order with the engine’s events', () => {
    const r = sameEachWay('strip', [
      s(GREETING),
      c('CAPA\r\n'),
      s(CAPA_CLEAR),
      c('stls\r\nUSER bob\r\n'),
      s('+OK\r\n'),
      c('QUIT\r\n'),
      s('+OK bye\r\n'),
    ]);
    expect(r.toServer).toBe('CAPA\r\nUSER bob\r\nQUIT\r\n');
    expect(r.toClient).toBe(`${GREETING}+OK\r\nTOP\r\nUSER\r\n.\r\n${STRIP_REFUSAL}+OK\r\n+OK bye\r\n`);
    expect(r.actions).toEqual([
      {
        type: 'alter',
        dir: 's2c',
        what: 'pop3scope hid STLS from the CAPA listing',
        removed: 'STLS\r\n',
        code: 'POP3_STLS_STRIPPED',
      },
      {
        type: 'alter',
        dir: 'c2s',
        what: 'the client asked for STLS and pop3scope refused it',
        removed: 'stls\r\n',
        code: 'POP3_STLS_STRIPPED',
      },
      { type: 'proxy', dir: 's2c', text: STRIP_REFUSAL },
    ]);
    expect(verbs(r)).toEqual(['greeting', 'CAPA', 'USER', 'QUIT']);
    // The refusal sits between the STLS line and the next command, as on the wire.
    const order = r.events
      .filter((e) => e.type === 'proxy' || e.type === 'command')
      .map((e) => (e.type === 'proxy' ? 'refusal' : (e.command as { verb: string }).verb));
    expect(order).toEqual(['CAPA', 'refusal', 'USER', 'QUIT']);
  });

  it('STLS with arguments, and an STLS line in a listing other than CAPA, pass untouched', () => {
    const r = sameEachWay('strip', [
      s(GREETING),
      c('STLS now\r\n'),
      s('-ERR no\r\n'),
      c('UIDL\r\n'),
      s('+OK\r\nSTLS\r\n.\r\n'),
    ]);
    expect(r.toServer).toBe('STLS now\r\nUIDL\r\n');
    expect(r.toClient).toBe(`${GREETING}-ERR no\r\n+OK\r\nSTLS\r\n.\r\n`);
    expect(r.actions).toEqual([]);
  });

  it('regression: the end of a client line longer than MAX_GATED_LINE is not taken for an STLS line', () => {
    // Byte by byte, the gate passes the long line's first MAX_GATED_LINE octets on and then saw "stls\r\n" as
    // a line of its own: it refused an STLS the client never sent (whole, the line passed).
    const line = `${'X'.repeat(MAX_GATED_LINE + 1)}stls\r\n`;
    const r = sameEachWay('strip', [s(GREETING), c(line), s('-ERR what\r\n')], 5);
    expect(r.toServer).toBe(line);
    expect(r.actions).toEqual([]);
  });

  it('regression: the end of a CAPA line longer than MAX_GATED_LINE is not taken for the STLS capability', () => {
    const listing = `+OK\r\n${'X'.repeat(MAX_GATED_LINE + 1)}STLS\r\n.\r\n`;
    const r = sameEachWay('strip', [s(GREETING), c('CAPA\r\n'), s(listing)], 5);
    expect(r.toClient).toBe(`${GREETING}${listing}`);
    expect(r.actions).toEqual([]);
  });
});

describe('Lines, the gates’ line iterator', () => {
  const all = (lines: Lines) => {
    const out: { text: string; start: boolean }[] = [];
    for (let l = lines.next(); l; l = lines.next())
      out.push({ text: l.bytes.toString('latin1'), start: l.start });
    return out;
  };

  it('holds an unfinished line across chunks and gives it out whole', () => {
    const lines = new Lines();
    lines.push(Buffer.from('ab\r\nc'));
    expect(all(lines)).toEqual([{ text: 'ab\r\n', start: true }]);
    lines.push(Buffer.from('d'));
    expect(all(lines)).toEqual([]);
    lines.push(Buffer.from('e\nf'));
    expect(all(lines)).toEqual([{ text: 'cde\n', start: true }]);
    expect(lines.rest().toString()).toBe('f');
  });

  it('gives out a line longer than MAX_GATED_LINE as it stands, and flags what follows of it', () => {
    const lines = new Lines();
    lines.push(Buffer.from(LONG));
    expect(all(lines)).toEqual([{ text: LONG, start: true }]);
    lines.push(Buffer.from('tail\r\nnext\r\n'));
    expect(all(lines)).toEqual([
      { text: 'tail\r\n', start: false },
      { text: 'next\r\n', start: true },
    ]);
  });

  it('holds at most MAX_GATED_LINE octets, fed one at a time', () => {
    const lines = new Lines();
    const one = Buffer.from('x');
    for (let i = 0; i < MAX_GATED_LINE; i++) {
      lines.push(one);
      expect(lines.next()).toBeNull();
    }
    lines.push(one);
    expect(lines.next()?.bytes.length).toBe(MAX_GATED_LINE + 1);
  });

  it('rest() gives what is held and what is not read yet', () => {
    const lines = new Lines();
    lines.push(Buffer.from('par'));
    lines.next();
    lines.push(Buffer.from('tial\r\nmore'));
    expect(lines.rest().toString()).toBe('partial\r\nmore');
    expect(lines.rest().length).toBe(0);
  });
});

describe('stlsLineEnd', () => {
  it('ends at the first STLS line of a chunk that starts a line', () => {
    expect(stlsLineEnd('', Buffer.from('NOOP\r\nSTLS\r\nUSER x\r\n'))).toBe(12);
    expect(stlsLineEnd('', Buffer.from(' stls \nUSER x\r\n'))).toBe(7);
  });

  it('a chunk that continues an STLS line ends with that line', () => {
    expect(stlsLineEnd('ST', Buffer.from('LS\r\nNOOP\r\nSTLS\r\n'))).toBe(4);
    expect(stlsLineEnd('NOOP', Buffer.from('\r\nSTLS\r\nX'))).toBe(8);
  });

  it('when the start of the line is unknown or no line is STLS, the first line', () => {
    expect(stlsLineEnd(null, Buffer.from('LS\r\nSTLS\r\n'))).toBe(4);
    expect(stlsLineEnd('', Buffer.from('STLS x\r\nSTLS y\r\n'))).toBe(8);
    expect(stlsLineEnd('', Buffer.from('STLS'))).toBe(4);
  });
});
