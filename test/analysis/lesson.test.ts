/**
 * The lesson (analysis/lesson.ts) on the sample captures: every concept is said once, in order, at the
 * transaction that shows it.
 */
import { describe, expect, it } from 'vitest';
import {
  CONCEPT_IDS,
  type LessonNote,
  lessonFor,
  lessonStep,
  startLesson,
} from '../../src/analysis/lesson.js';
import type { EngineEvent } from '../../src/analysis/types.js';
import { played } from '../ui/helpers.js';

const events = (name: string): EngineEvent[] =>
  played(name).flatMap((e) => (e.kind === 'event' ? [e.event] : []));

const notesOf = (name: string, session = 's1'): LessonNote[] => lessonFor(events(name)).get(session) ?? [];

/** The notes as [concept, the transaction's seq] pairs. */
const moments = (notes: readonly LessonNote[]) => notes.map((n) => [n.concept, n.seq]);

describe('the lesson', () => {
  it('seed download-and-delete: phases and +OK at the greeting, clear text at PASS, octets at LIST, RETR keeps, DELE marks, UPDATE at QUIT, the mode at the end', () => {
    const notes = notesOf('seed-download-and-delete.jsonl');
    expect(moments(notes)).toEqual([
      ['phases', 0],
      ['ok', 0],
      ['clear-text', 2],
      ['logged-in', 2],
      ['octets', 3],
      ['retr-keeps', 4],
      ['dele-marks', 5],
      ['update', 8],
      ['mode', null],
      ['no-state', null],
    ]);
    const text = (c: string) => notes.find((n) => n.concept === c)!.text;
    expect(text('phases')).toMatch(/AUTHORIZATION .*TRANSACTION .*UPDATE/);
    expect(text('ok')).toMatch(/^\+OK means it worked/);
    expect(text('clear-text')).toMatch(/USER and PASS travel in clear.*STLS/);
    expect(text('octets')).toContain('"1 498" is message 1, 498 octets');
    expect(text('retr-keeps')).toMatch(/^RETR 1 .*RETR does not delete/);
    expect(text('dele-marks')).toMatch(
      /^DELE only marks message 1 .*RSET would unmark it; only QUIT removes it, in UPDATE/,
    );
    expect(text('update')).toBe(
      'QUIT: the server enters UPDATE and removes the 2 messages marked with DELE, now and only now.',
    );
    expect(text('mode')).toMatch(
      /download-and-delete mode: it downloaded 2 messages and had the server delete them/,
    );
    expect(notes.map((n) => n.text).join(' ')).not.toMatch(/hungry/);
  });

  it('download-and-keep: nothing marked, UPDATE removes nothing, the mode is named keep', () => {
    const notes = notesOf('download-and-keep.jsonl');
    expect(moments(notes)).toEqual([
      ['phases', 0],
      ['ok', 0],
      ['clear-text', 3],
      ['logged-in', 3],
      ['retr-keeps', 5],
      ['update', 7],
      ['mode', null],
      ['no-state', null],
    ]);
    expect(notes.find((n) => n.concept === 'update')!.text).toMatch(
      /nothing is marked, so it removes nothing/,
    );
    expect(notes.find((n) => n.concept === 'mode')!.text).toMatch(
      /download-and-keep mode: it downloaded 2 messages and left them on the server/,
    );
  });

  it('a dropped connection: no UPDATE, the marked message stays', () => {
    const notes = notesOf('buggy-server.jsonl');
    expect(notes.map((n) => n.concept)).toEqual([
      'phases',
      'ok',
      'clear-text',
      'logged-in',
      'octets',
      'retr-keeps',
      'dele-marks',
      'dropped',
      'mode',
      'no-state',
    ]);
    expect(notes.find((n) => n.concept === 'dropped')!.text).toBe(
      'The connection ended without QUIT: no UPDATE, so the server removes nothing (the marked message stays on the server).',
    );
    expect(notes.find((n) => n.concept === 'mode')!.text).toMatch(
      /never reached UPDATE: the messages are still/,
    );
  });

  it('-ERR the first time it appears (fetchmail asks LAST; Dovecot does not know it), once', () => {
    const notes = notesOf('dovecot-fetchmail-delete.jsonl');
    const err = notes.filter((n) => n.concept === 'err');
    expect(err).toHaveLength(1);
    expect(err[0]!.text).toMatch(
      /^-ERR means it did not work: the server refused the command \("Unknown command: LAST"\)/,
    );
  });

  it('RSET unmarks; UPDATE then removes nothing', () => {
    const tx = (seq: number, line: string, status: '+OK' | '-ERR' = '+OK'): EngineEvent => {
      const [verb = '', ...args] = line.split(' ');
      return {
        type: 'transaction',
        session: 'x',
        tx: {
          session: 'x',
          seq,
          phase: 'TRANSACTION',
          command: { verb, args, line, octets: line.length + 2, at: seq, pipelined: false },
          response: {
            status,
            code: null,
            text: '',
            multiline: false,
            bodyOctets: 0,
            bodyLines: 0,
            complete: true,
          },
          wire: { c2s: [0, 0], s2c: [0, 0] } as never,
          startedAt: seq,
          endedAt: seq,
          latencyMs: 1,
          explain: '',
          rfc: '',
          violations: [],
        },
      };
    };
    const phase = (to: 'TRANSACTION' | 'UPDATE'): EngineEvent => ({
      type: 'phase',
      session: 'x',
      from: null,
      to,
      at: 9,
      reason: '',
    });
    let s = startLesson();
    const said: string[] = [];
    for (const e of [
      phase('TRANSACTION'),
      tx(1, 'DELE 1'),
      tx(2, 'DELE 2'),
      tx(3, 'RSET'),
      tx(4, 'QUIT'),
      phase('UPDATE'),
    ]) {
      const r = lessonStep(s, e);
      s = r.state;
      said.push(...r.notes.map((n) => `${n.concept}: ${n.text}`));
    }
    expect(said.find((x) => x.startsWith('rset'))).toMatch(
      /RSET unmarks every message marked in this session/,
    );
    expect(said.at(-1)).toBe(
      'update: QUIT: the server enters UPDATE; nothing is marked, so it removes nothing.',
    );
  });

  it('inside TLS the clear-text note says the password is protected', () => {
    const notes = notesOf('dovecot-curl.jsonl');
    expect(notes.some((n) => n.concept === 'clear-text')).toBe(false); // curl logs in with SASL
    const s = lessonStep(startLesson(), { type: 'tls', session: 'x', t: 1, info: {} as never }).state;
    expect(s.tls).toBe(true);
  });

  it('every concept in the table is said by some sample (each once per session)', () => {
    const said = new Set<string>();
    for (const f of [
      'seed-download-and-delete.jsonl',
      'download-and-keep.jsonl',
      'buggy-server.jsonl',
      'dovecot-fetchmail-delete.jsonl',
      'dovecot-curl.jsonl',
    ]) {
      for (const notes of lessonFor(events(f)).values()) {
        const ids = notes.map((n) => n.concept);
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids) said.add(id);
      }
    }
    // RSET and TLS are in no sample capture: the hand-made test above and the TLS test cover them.
    expect(CONCEPT_IDS.filter((id) => !said.has(id))).toEqual(['tls', 'rset']);
  });
});
