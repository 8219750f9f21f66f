/**
 * TraceConverter end to end: pcapng files made by the real writer, read back through PacketFileReader →
 * TraceConverter → capture records → CaptureAnalyzer → engine events, whole, byte by byte and at random splits.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../src/analysis/types.js';
import { type CaptureRecord, dataBytes } from '../../../src/capture/format.js';
import { KeyLog } from '../../../src/capture/pcap/keylog.js';
import { MAX_UNDECIDED_TOTAL } from '../../../src/capture/pcap/limits.js';
import type { Endpoint } from '../../../src/capture/pcap/types.js';
import { ecdsaCert, recordSession } from './tlsRecording.js';
import { engineEvents, ep, rendered, SPLITS, streamOf, TraceBuilder, traceRecords } from './traceBuild.js';

const CLIENT = ep('192.0.2.7', 50110);
const SERVER = ep('198.51.100.2', 110);

/** Records with their bytes as text, so toEqual compares what they hold. */
const plain = (records: readonly CaptureRecord[]) =>
  records.map((r) =>
    r.type === 'data'
      ? { type: r.type, session: r.session, t: r.t, dir: r.dir, bytes: dataBytes(r).toString('latin1') }
      : r,
  );

const kinds = (records: readonly CaptureRecord[]) =>
  records.map((r) => (r.type === 'data' ? `data ${r.dir} ${dataBytes(r).toString('latin1')}` : r.type));

const transactions = (events: readonly EngineEvent[]) =>
  events.flatMap((e) => (e.type === 'transaction' ? [e.tx] : []));
const summaries = (events: readonly EngineEvent[]) =>
  events.flatMap((e) => (e.type === 'summary' ? [e.summary] : []));
const violations = (events: readonly EngineEvent[]) =>
  events.flatMap((e) => (e.type === 'violation' ? [e.violation] : []));
/** Every violation code, of the session and of its transactions. */
const allCodes = (events: readonly EngineEvent[]) => [
  ...violations(events).map((v) => v.code),
  ...transactions(events).flatMap((t) => t.violations.map((v) => v.code)),
];

const BODY = 'From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n';

/** A whole download-and-delete session; returns the builder. */
function pop3Session(
  client: Endpoint = CLIENT,
  server: Endpoint = SERVER,
  name = 'a',
  b = new TraceBuilder(),
) {
  b.open(name, client, server);
  b.s(name, '+OK POP3 ready\r\n');
  b.c(name, 'USER bob\r\n');
  b.s(name, '+OK\r\n');
  b.c(name, 'PASS hungry\r\n');
  b.s(name, '+OK logged in\r\n');
  b.c(name, 'LIST\r\n');
  b.s(name, `+OK 1 message\r\n1 ${BODY.length}\r\n.\r\n`);
  b.c(name, 'RETR 1\r\n');
  b.s(name, `+OK ${BODY.length} octets\r\n${BODY}.\r\n`);
  b.c(name, 'DELE 1\r\n');
  b.s(name, '+OK deleted\r\n');
  b.c(name, 'QUIT\r\n');
  b.s(name, '+OK bye\r\n');
  b.close(name, 'client');
  return b;
}

describe('a POP3 session on port 110', () => {
  for (const [label, client, server] of [
    ['IPv4', CLIENT, SERVER],
    ['IPv6', ep('2001:db8::7', 50110), ep('2001:db8::2', 110)],
  ] as const) {
    it(`${label}: transactions and summary, the same records however the file is cut`, () => {
      const file = pop3Session(client, server).file();
      const records = traceRecords(file);
      for (const how of SPLITS) expect(plain(traceRecords(file, {}, how))).toEqual(plain(records));

      const open = records[0];
      expect(open).toMatchObject({
        type: 'open',
        session: 's1',
        client: label === 'IPv4' ? '192.0.2.7:50110' : '[2001:db8::7]:50110',
        upstream: label === 'IPv4' ? '198.51.100.2:110' : '[2001:db8::2]:110',
        tls: 'none',
      });
      expect(open).not.toHaveProperty('midStream');
      expect(records.at(-1)).toMatchObject({ type: 'close', session: 's1', by: 'client' });
      expect(records.filter((r) => r.type !== 'data' && r.type !== 'open' && r.type !== 'close')).toEqual([]);

      const events = engineEvents(records);
      const txs = transactions(events);
      expect(txs.map((t) => t.command?.verb ?? 'greeting')).toEqual([
        'greeting',
        'USER',
        'PASS',
        'LIST',
        'RETR',
        'DELE',
        'QUIT',
      ]);
      expect(txs.every((t) => t.response?.status === '+OK' && t.violations.length === 0)).toBe(true);
      expect(txs[4]!.response?.bodyOctets).toBe(BODY.length);
      const [summary] = summaries(events);
      expect(summary).toMatchObject({
        user: 'bob',
        auth: 'USER/PASS',
        retrieved: [1],
        marked: [1],
        removed: [1],
        closedBy: 'client',
        violations: {},
      });
      expect(summary!.phases.map((p) => p.phase)).toEqual(['AUTHORIZATION', 'TRANSACTION', 'UPDATE']);
      expect(allCodes(events)).toEqual([]);
    });
  }

  it('the password is in the raw records (the trace holds it) but in no engine output', () => {
    const records = traceRecords(pop3Session().file());
    // By design: a trace's data records are what was on the wire; only the engine's output is masked.
    expect(streamOf(records, 's1', 'c2s').toString('latin1')).toContain('PASS hungry\r\n');
    const events = engineEvents(records);
    const data = events.flatMap((e) => (e.type === 'data' ? [e.bytes.toString('latin1')] : []));
    expect(data.join('')).toContain('PASS ******\r\n');
    expect(data.join('')).not.toContain('hungry');
    const out = rendered(events);
    expect(out).toContain('PASS <redacted 6 octets>');
    expect(out).not.toContain('hungry');
    expect(out).not.toContain(Buffer.from('hungry').toString('base64'));
  });

  it('bytes per direction are exactly what was sent', () => {
    const records = traceRecords(pop3Session().file());
    const c2s = streamOf(records, 's1', 'c2s').toString('latin1');
    expect(c2s).toBe('USER bob\r\nPASS hungry\r\nLIST\r\nRETR 1\r\nDELE 1\r\nQUIT\r\n');
    expect(streamOf(records, 's1', 's2c').toString('latin1')).toMatch(
      /^\+OK POP3 ready\r\n[\s\S]*\+OK bye\r\n$/,
    );
  });
});

describe('which connections are POP3', () => {
  const on2110 = (greeting: string) => {
    const b = new TraceBuilder();
    b.open('a', CLIENT, ep('198.51.100.2', 2110));
    b.s('a', greeting);
    b.c('a', 'QUIT\r\n');
    b.s('a', '+OK bye\r\n');
    b.close('a', 'client');
    return b.file();
  };

  it('port 2110 with a "+OK" greeting is found without options', () => {
    for (const how of SPLITS) {
      const records = traceRecords(on2110('+OK hello\r\n'), {}, how);
      expect(kinds(records)).toEqual([
        'open',
        'data s2c +OK hello\r\n',
        'data c2s QUIT\r\n',
        'data s2c +OK bye\r\n',
        'close',
      ]);
      expect(records[0]).toMatchObject({ upstream: '198.51.100.2:2110' });
    }
  });

  it('"+ok" in lower case greets too (the heuristic ignores case, as the engine then reports)', () => {
    expect(kinds(traceRecords(on2110('+ok hello\r\n')))[0]).toBe('open');
  });

  it('a greeting cut into segments of 1 and 2 octets ("+", "OK hi") is still a greeting', () => {
    for (const pieces of [
      ['+', 'OK hi\r\n'],
      ['+O', 'K hi\r\n'],
      ['+', 'O', 'K hi\r\n'],
    ]) {
      const b = new TraceBuilder();
      b.open('a', CLIENT, ep('198.51.100.2', 2110));
      for (const p of pieces) b.s('a', p);
      b.c('a', 'QUIT\r\n');
      b.s('a', '+OK bye\r\n');
      b.close('a', 'client');
      const records = traceRecords(b.file());
      expect(records[0]).toMatchObject({ type: 'open', upstream: '198.51.100.2:2110' });
      expect(streamOf(records, 's1', 's2c').toString()).toBe('+OK hi\r\n+OK bye\r\n');
      expect(transactions(engineEvents(records)).map((t) => t.command?.verb ?? 'greeting')).toEqual([
        'greeting',
        'QUIT',
      ]);
    }
    // A short first segment that is no "+OK" prefix is still refused.
    const b = new TraceBuilder();
    b.open('a', CLIENT, ep('198.51.100.2', 2110));
    b.s('a', '+X');
    b.s('a', 'OK\r\n');
    b.close('a', 'client');
    expect(traceRecords(b.file())).toEqual([]);
  });

  it('port 2110 whose server first says HTTP/1.1 is ignored; --port 2110 reads it anyway', () => {
    const file = on2110('HTTP/1.1 200 OK\r\n\r\n');
    for (const how of SPLITS) expect(traceRecords(file, {}, how)).toEqual([]);
    const records = traceRecords(file, { ports: [2110] });
    expect(kinds(records)).toEqual([
      'open',
      'data s2c HTTP/1.1 200 OK\r\n\r\n',
      'data c2s QUIT\r\n',
      'data s2c +OK bye\r\n',
      'close',
    ]);
    expect(allCodes(engineEvents(records))).toContain('POP3_BAD_STATUS');
  });

  it('a client that speaks first on an unknown port is held until the server greets', () => {
    const b = new TraceBuilder();
    b.open('a', CLIENT, ep('198.51.100.2', 2110));
    b.c('a', 'CAPA\r\n');
    b.s('a', '+OK hi\r\n');
    b.close('a', 'server');
    expect(kinds(traceRecords(b.file()))).toEqual([
      'open',
      'data c2s CAPA\r\n',
      'data s2c +OK hi\r\n',
      'close',
    ]);
  });

  it('what connections waiting for a greeting hold is bounded in all (MAX_UNDECIDED_TOTAL)', () => {
    // Many connections whose clients talk first and long (60 KB each, under the per-connection bound): once
    // they hold MAX_UNDECIDED_TOTAL together, the next one is let go, even if its server then greets.
    const b = new TraceBuilder();
    const chatty = Buffer.alloc(60_000, 0x41);
    const count = Math.ceil(MAX_UNDECIDED_TOTAL / chatty.length) + 1;
    for (let i = 0; i < count; i++) {
      b.open(`n${i}`, ep('192.0.2.7', 40000 + i), ep('198.51.100.2', 2110));
      b.c(`n${i}`, chatty);
    }
    b.s('n0', '+OK early\r\n');
    b.s(`n${count - 1}`, '+OK late\r\n');
    const opens = traceRecords(b.file()).filter((r) => r.type === 'open');
    expect(opens.map((r) => (r.type === 'open' ? r.client : ''))).toEqual(['192.0.2.7:40000']);
  });

  it('options.ports reads a port whose server never speaks', () => {
    const b = new TraceBuilder();
    b.open('a', CLIENT, ep('198.51.100.2', 7777));
    b.c('a', 'USER x\r\n');
    b.close('a', 'client');
    expect(traceRecords(b.file())).toEqual([]);
    expect(kinds(traceRecords(b.file(), { ports: [7777] }))).toEqual([
      'open',
      'data c2s USER x\r\n',
      'close',
    ]);
  });
});

describe('TLS', () => {
  it('port 995 with bytes that are no TLS: an opaque tls record and POP3_TLS_NOT_DECRYPTED, no crash', () => {
    const b = new TraceBuilder();
    b.open('a', CLIENT, ep('198.51.100.2', 995));
    b.c('a', 'GARBAGE NOT TLS\r\n');
    b.s('a', 'MORE GARBAGE\r\n');
    b.close('a', 'client');
    for (const how of SPLITS) {
      const records = traceRecords(b.file(), {}, how);
      expect(records[0]).toMatchObject({ type: 'open', tls: 'implicit' });
      const tls = records.filter((r) => r.type === 'tls');
      expect(tls).toEqual([expect.objectContaining({ how: 'implicit', visibility: 'opaque' })]);
      const notes = records.filter((r) => r.type === 'note');
      expect(notes.length).toBeGreaterThan(0);
      expect(notes.every((n) => n.type === 'note' && n.code === 'POP3_TLS_NOT_DECRYPTED')).toBe(true);
      // The opaque bytes are kept, after the tls record.
      const tlsAt = records.findIndex((r) => r.type === 'tls');
      expect(records.findIndex((r) => r.type === 'data')).toBeGreaterThan(tlsAt);
      expect(streamOf(records, 's1', 'c2s').toString('latin1')).toBe('GARBAGE NOT TLS\r\n');
      expect(records.at(-1)).toMatchObject({ type: 'close' });
      const events = engineEvents(records);
      expect(violations(events).map((v) => v.code)).toContain('POP3_TLS_NOT_DECRYPTED');
      expect(summaries(events)).toHaveLength(1);
    }
  });

  const FAKE_SERVER_TLS = '\x16\x03\x03\x00\x04abcd';
  const FAKE_CLIENT_TLS = '\x16\x03\x01\x00\x05hello';
  const stls = (together: boolean, okLine = '+OK Begin TLS\r\n', ask = 'STLS\r\n') => {
    const b = new TraceBuilder();
    b.open('a', CLIENT, SERVER);
    b.s('a', '+OK hi\r\n');
    b.c('a', ask);
    if (together) b.s('a', okLine + FAKE_SERVER_TLS);
    else {
      b.s('a', okLine);
      b.s('a', FAKE_SERVER_TLS);
    }
    b.c('a', FAKE_CLIENT_TLS);
    b.close('a', 'client');
    return b.file();
  };

  for (const together of [false, true]) {
    it(`STLS: cleartext up to the +OK line, then the tls record, then opaque data (${together ? '+OK and TLS in one segment' : 'separate segments'})`, () => {
      for (const how of SPLITS) {
        const records = traceRecords(stls(together), {}, how);
        const order = kinds(records).filter((k) => k !== 'note');
        expect(order).toEqual([
          'open',
          'data s2c +OK hi\r\n',
          'data c2s STLS\r\n',
          'data s2c +OK Begin TLS\r\n',
          'tls',
          `data s2c ${FAKE_SERVER_TLS}`,
          `data c2s ${FAKE_CLIENT_TLS}`,
          'close',
        ]);
        expect(records.find((r) => r.type === 'tls')).toMatchObject({ how: 'stls', visibility: 'opaque' });
        expect(records.some((r) => r.type === 'note' && r.code === 'POP3_TLS_NOT_DECRYPTED')).toBe(true);
        const events = engineEvents(records);
        expect(transactions(events).map((t) => t.command?.verb ?? 'greeting')).toEqual(['greeting', 'STLS']);
        expect(summaries(events)[0]).toMatchObject({ tls: 'opaque' });
      }
    });
  }

  it('STLS refused with -ERR: no upgrade, the rest is cleartext POP3', () => {
    const b = new TraceBuilder();
    b.open('a', CLIENT, SERVER);
    b.s('a', '+OK hi\r\n');
    b.c('a', 'STLS\r\n');
    b.s('a', '-ERR no TLS here\r\n');
    b.c('a', 'QUIT\r\n');
    b.s('a', '+OK bye\r\n');
    b.close('a', 'client');
    const records = traceRecords(b.file());
    expect(records.some((r) => r.type === 'tls' || r.type === 'note')).toBe(false);
    expect(transactions(engineEvents(records)).map((t) => t.command?.verb ?? 'greeting')).toEqual([
      'greeting',
      'STLS',
      'QUIT',
    ]);
  });

  it('a real STLS session decrypted with its key log: POP3 inside TLS is analysed', async () => {
    const rec = await recordSession({ cert: await ecdsaCert() });
    const b = new TraceBuilder();
    b.open('a', CLIENT, SERVER);
    b.s('a', '+OK hi\r\n');
    b.c('a', 'STLS\r\n');
    b.s('a', '+OK Begin TLS\r\n');
    for (const ch of rec.chunks) b.send('a', ch.dir, ch.bytes);
    b.close('a', 'server');
    const file = b.file();
    const keylog = KeyLog.parse(rec.keylog);
    const records = traceRecords(file, { keylog });
    for (const how of ['bytewise', 99] as const)
      expect(plain(traceRecords(file, { keylog }, how))).toEqual(plain(records));
    const tls = records.filter((r) => r.type === 'tls');
    expect(tls).toEqual([
      expect.objectContaining({
        how: 'stls',
        visibility: 'decrypted',
        client: { version: rec.protocol, cipher: rec.cipher, sni: rec.servername },
      }),
    ]);
    expect(records.some((r) => r.type === 'note')).toBe(false);
    // Every byte written inside TLS comes out decrypted, after the cleartext part.
    expect(streamOf(records, 's1', 'c2s').toString()).toBe(`STLS\r\n${rec.written.c2s}`);
    expect(streamOf(records, 's1', 's2c').toString()).toBe(`+OK hi\r\n+OK Begin TLS\r\n${rec.written.s2c}`);
    const events = engineEvents(records);
    const verbs = transactions(events).map((t) => t.command?.verb ?? 'greeting');
    expect(verbs.slice(0, 5)).toEqual(['greeting', 'STLS', 'CAPA', 'USER', 'PASS']);
    expect(summaries(events)[0]).toMatchObject({ user: 'alice', tls: 'stls' });
    const out = rendered(events);
    expect(out).not.toContain('secret');
    // Without the key log: opaque, with the handshake's facts.
    const opaque = traceRecords(file);
    expect(opaque.find((r) => r.type === 'tls')).toMatchObject({
      visibility: 'opaque',
      client: { version: rec.protocol, sni: rec.servername },
    });
    expect(opaque.some((r) => r.type === 'note' && r.code === 'POP3_TLS_NOT_DECRYPTED')).toBe(true);
  });
});

describe('what the trace did not capture', () => {
  it('a dropped data packet: a lost record with its octets, and POP3_TRACE_GAP', () => {
    const b = new TraceBuilder();
    b.open('a', CLIENT, SERVER);
    b.s('a', '+OK POP3 ready\r\n');
    b.c('a', 'USER bob\r\n');
    b.s('a', '+OK\r\n');
    b.c('a', 'PASS hungry\r\n');
    const [dropped] = b.s('a', '+OK logged in\r\n');
    b.c('a', 'LIST\r\n');
    b.s('a', '+OK 0 messages\r\n.\r\n');
    b.c('a', 'QUIT\r\n');
    b.s('a', '+OK bye\r\n');
    b.close('a', 'client');
    const file = b.file([dropped!]);
    for (const how of SPLITS) {
      const records = traceRecords(file, {}, how);
      const lost = records.filter((r) => r.type === 'lost');
      expect(lost).toEqual([expect.objectContaining({ session: 's1', dir: 's2c', octets: 15 })]);
      expect(streamOf(records, 's1', 's2c').toString()).not.toContain('logged in');
      const events = engineEvents(records);
      const gap = violations(events).filter((v) => v.code === 'POP3_TRACE_GAP');
      expect(gap).toHaveLength(1);
      expect(gap[0]!.message).toContain('15 octets');
      // The engine resynchronises: QUIT is still seen and answered.
      expect(transactions(events).at(-1)).toMatchObject({ command: { verb: 'QUIT' } });
    }
  });

  it('the first packets missing (handshake and greeting): open.midStream and POP3_TRACE_MIDSTREAM', () => {
    const b = new TraceBuilder();
    const hs = b.open('a', CLIENT, SERVER);
    const greeting = b.s('a', '+OK POP3 ready\r\n');
    b.c('a', 'USER bob\r\n');
    b.s('a', '+OK\r\n');
    b.c('a', 'PASS hungry\r\n');
    b.s('a', '+OK logged in\r\n');
    b.c('a', 'STAT\r\n');
    b.s('a', '+OK 0 0\r\n');
    b.c('a', 'QUIT\r\n');
    b.s('a', '+OK bye\r\n');
    b.close('a', 'client');
    const file = b.file([...hs, ...greeting]);
    for (const how of SPLITS) {
      const records = traceRecords(file, {}, how);
      expect(records[0]).toMatchObject({ type: 'open', midStream: true, upstream: '198.51.100.2:110' });
      const events = engineEvents(records);
      expect(violations(events).map((v) => v.code)).toContain('POP3_TRACE_MIDSTREAM');
      const verbs = transactions(events).map((t) => t.command?.verb);
      expect(verbs).toContain('STAT');
      expect(verbs.at(-1)).toBe('QUIT');
      expect(rendered(events)).not.toContain('hungry');
    }
  });

  it('mid-stream on an unknown port is not taken for POP3 (no greeting to tell)', () => {
    const b = new TraceBuilder();
    const hs = b.open('a', CLIENT, ep('198.51.100.2', 2110));
    const greeting = b.s('a', '+OK POP3 ready\r\n');
    b.c('a', 'NOOP\r\n');
    b.s('a', '+OK\r\n');
    b.close('a', 'client');
    expect(traceRecords(b.file([...hs, ...greeting]))).toEqual([]);
    expect(traceRecords(b.file([...hs, ...greeting]), { ports: [2110] })[0]).toMatchObject({
      midStream: true,
    });
  });

  it('a RST ends the session: close by the side that reset, the summary says so', () => {
    const b = new TraceBuilder();
    b.open('a', CLIENT, SERVER);
    b.s('a', '+OK hi\r\n');
    const [last] = b.c('a', 'NOOP\r\n');
    b.rst(last!, 'server', CLIENT);
    for (const how of SPLITS) {
      const records = traceRecords(b.file(), {}, how);
      expect(records.at(-1)).toMatchObject({
        type: 'close',
        by: 'server',
        reason: 'the server ended the connection, which was then reset',
      });
      const events = engineEvents(records);
      expect(summaries(events)[0]).toMatchObject({
        closedBy: 'server',
        closeReason: 'the server ended the connection, which was then reset',
      });
      expect(transactions(events).at(-1)).toMatchObject({
        command: { verb: 'NOOP' },
        response: { status: null, complete: false },
      });
    }
  });

  it('a trace that ends after one FIN says the other side had not closed (not an ordinary close)', () => {
    const b = new TraceBuilder();
    b.open('a', CLIENT, SERVER);
    b.s('a', '+OK hi\r\n');
    b.c('a', 'QUIT\r\n');
    b.s('a', '+OK bye\r\n');
    const [, finBack, lastAck] = b.close('a', 'client');
    for (const how of SPLITS) {
      const records = traceRecords(b.file([finBack!, lastAck!]), {}, how);
      expect(records.at(-1)).toMatchObject({
        type: 'close',
        by: 'client',
        reason: 'the client closed its side; the trace ends before the other side did',
      });
    }
  });

  it('a trace that just ends: no close record, the analyzer closes the session at the end', () => {
    const b = new TraceBuilder();
    b.open('a', CLIENT, SERVER);
    b.s('a', '+OK hi\r\n');
    b.c('a', 'NOOP\r\n');
    b.s('a', '+OK\r\n');
    const records = traceRecords(b.file());
    expect(records.some((r) => r.type === 'close')).toBe(false);
    expect(summaries(engineEvents(records))).toEqual([expect.objectContaining({ closedBy: null })]);
  });
});

describe('interleaved sessions', () => {
  it('two sessions whose packets alternate keep their own streams and transactions', () => {
    const b = new TraceBuilder();
    const c2 = ep('192.0.2.8', 50111);
    b.open('a', CLIENT, SERVER);
    b.open('b', c2, ep('198.51.100.3', 110));
    b.s('b', '+OK b ready\r\n');
    b.s('a', '+OK a ready\r\n');
    b.c('a', 'USER alice\r\n');
    b.c('b', 'USER bob\r\n');
    b.s('b', '+OK\r\n');
    b.s('a', '+OK\r\n');
    b.c('b', 'QUIT\r\n');
    b.c('a', 'QUIT\r\n');
    b.s('a', '+OK a bye\r\n');
    b.s('b', '+OK b bye\r\n');
    b.close('b', 'server');
    b.close('a', 'client');
    const file = b.file();
    for (const how of SPLITS) {
      const records = traceRecords(file, {}, how);
      const opens = records.filter((r) => r.type === 'open');
      expect(opens.map((o) => [o.session, o.type === 'open' && o.client])).toEqual([
        ['s1', '192.0.2.7:50110'],
        ['s2', '192.0.2.8:50111'],
      ]);
      expect(streamOf(records, 's1', 's2c').toString()).toBe('+OK a ready\r\n+OK\r\n+OK a bye\r\n');
      expect(streamOf(records, 's2', 'c2s').toString()).toBe('USER bob\r\nQUIT\r\n');
      const events = engineEvents(records);
      const bySession = (s: string) => summaries(events).find((x) => x.session === s);
      expect(bySession('s1')).toMatchObject({ user: 'alice', closedBy: 'client' });
      expect(bySession('s2')).toMatchObject({ user: 'bob', closedBy: 'server' });
    }
  });

  it('a POP3 session beside a connection that is not POP3: only the POP3 one comes out', () => {
    const b = new TraceBuilder();
    b.open('web', CLIENT, ep('198.51.100.9', 8080));
    b.open('a', ep('192.0.2.8', 50111), SERVER);
    b.c('web', 'GET / HTTP/1.1\r\n\r\n');
    b.s('a', '+OK hi\r\n');
    b.s('web', 'HTTP/1.1 200 OK\r\n\r\n');
    b.c('a', 'QUIT\r\n');
    b.s('a', '+OK bye\r\n');
    b.close('web', 'server');
    b.close('a', 'client');
    const records = traceRecords(b.file());
    expect(new Set(records.map((r) => r.type !== 'header' && r.session))).toEqual(new Set(['s1']));
    expect(streamOf(records, 's1', 'c2s').toString()).toBe('QUIT\r\n');
  });
});
