/**
 * The story of Bob's three machines as tables (src/demo/story.ts) and what the class is told: the rounds,
 * the machines' own addresses, each session's lines computed from what it got, the comparison, and the text
 * narrator that prints a note's new lines only.
 */
import { describe, expect, it } from 'vitest';
import { fetchSteps, scenarioSteps, surveyStep } from '../../src/demo/scenarios.js';
import {
  comparisonLines,
  connectsLine,
  MACHINES,
  numbers,
  type Received,
  type Scene,
  type SessionResult,
  STORY,
  sessionLines,
} from '../../src/demo/story.js';
import { textNarrator } from '../../src/demo/storyPlayer.js';

const LUNCH: Received = { number: 1, octets: 498, subject: 'Lunch on Friday?' };
const NOTES: Received = { number: 2, octets: 912, subject: 'Notes from the networking class' };

/** What a session with this scene got: `both` downloads 1 and 2 (and marks them in delete mode), else nothing. */
function result(scene: Scene, both: boolean): SessionResult {
  const del = scene.mode === 'download-and-delete';
  const marked = both && del ? [1, 2] : [];
  return {
    scene,
    from: scene.machine.address,
    listed: both ? [1, 2] : [],
    received: both ? [LUNCH, NOTES] : [],
    marked,
    removed: scene.quits ? marked : [],
  };
}

/** The story as the demo mailbox plays it: only the first machine of the delete round finds mail. */
function played(): SessionResult[][] {
  return STORY.map((round, r) => round.scenes.map((scene, i) => result(scene, r !== 0 || i === 0)));
}

describe('the story as tables', () => {
  it('three named machines, each from a loopback address of its own', () => {
    expect(MACHINES.map((m) => m.label)).toEqual(['office PC', 'home PC', 'laptop']);
    const addresses = MACHINES.map((m) => m.address);
    expect(new Set(addresses).size).toBe(3);
    for (const a of addresses) expect(a).toMatch(/^127\.0\.0\.(?!1$)\d+$/);
  });

  it('delete first, then keep on a refilled mailbox, every machine in turn; then a dropped connection', () => {
    expect(STORY.map((r) => [r.scenes[0]!.mode, r.refill, r.compared])).toEqual([
      ['download-and-delete', false, true],
      ['download-and-keep', true, true],
      ['download-and-delete', false, false],
    ]);
    for (const round of STORY.slice(0, 2)) {
      expect(round.scenes.map((s) => s.machine.name)).toEqual(['office', 'home', 'laptop']);
      expect(round.scenes.every((s) => s.quits)).toBe(true);
    }
    expect(STORY[2]!.scenes.map((s) => [s.machine.name, s.quits])).toEqual([
      ['laptop', false],
      ['laptop', true],
    ]);
  });

  it('each mode surveys and fetches as the seed says: LIST, RETR + DELE; or UIDL, RETR', () => {
    expect(surveyStep('download-and-delete').command).toBe('LIST');
    expect(surveyStep('download-and-keep').command).toBe('UIDL');
    expect(fetchSteps('download-and-delete', [1, 2]).map((s) => s.command)).toEqual([
      'RETR 1',
      'DELE 1',
      'RETR 2',
      'DELE 2',
    ]);
    expect(fetchSteps('download-and-keep', [1, 2]).map((s) => s.command)).toEqual(['RETR 1', 'RETR 2']);
    // A machine that finds the mailbox empty downloads nothing.
    expect(fetchSteps('download-and-delete', [])).toEqual([]);
    expect(scenarioSteps('download-and-delete', 'bob', 'pw', 2).map((s) => s.command)).toEqual([
      'USER bob',
      'PASS pw',
      'LIST',
      'RETR 1',
      'DELE 1',
      'RETR 2',
      'DELE 2',
      'QUIT',
    ]);
  });
});

describe('what the class is told', () => {
  const rounds = played();
  const told = rounds.map((round) => round.flatMap((r, i) => sessionLines(r, round.slice(0, i))));

  it('delete round: the office PC gets both; home and laptop find it empty, and why', () => {
    expect(told[0]).toEqual([
      'office PC: got 1, 2; DELE marked them, QUIT removed 1, 2.',
      'home PC: the mailbox is empty, it gets nothing: the office PC deleted 1, 2 (DELE, then QUIT).',
      'laptop: the mailbox is empty, it gets nothing: the office PC deleted 1, 2 (DELE, then QUIT).',
    ]);
  });

  it('keep round: every machine gets both, and the second says the server keeps no state across sessions', () => {
    expect(told[1]).toEqual([
      'office PC: got 1, 2; no DELE, so QUIT removed nothing.',
      'home PC: got 1, 2 too, numbered afresh, unmarked: the server keeps no state across sessions.',
      'laptop: got 1, 2 as well: every machine sees every message.',
    ]);
  });

  it('a dropped connection removes nothing: the next session lists both again, unmarked', () => {
    expect(told[2]).toEqual([
      'laptop: got 1, 2, DELE marked 1, 2, then the connection dropped: no QUIT, no UPDATE.',
      'laptop again: 1, 2 listed, unmarked: the marks ended with the dropped session. QUIT removed 1, 2.',
    ]);
  });

  it('an empty mailbox nobody emptied is said so', () => {
    const scene = STORY[0]!.scenes[1]!;
    expect(sessionLines(result(scene, false), [])).toEqual([
      'home PC: the mailbox is empty, it gets nothing: nothing was in it.',
    ]);
  });

  it('the running session is named with the address it comes from', () => {
    expect(connectsLine(STORY[0]!.scenes[0]!, '127.0.0.2')).toBe(
      '▸ office PC (127.0.0.2): LIST, RETR + DELE each, QUIT…',
    );
    expect(connectsLine(STORY[2]!.scenes[0]!, '127.0.0.1')).toBe(
      '▸ laptop (127.0.0.1): LIST, RETR + DELE each, no QUIT…',
    );
  });

  it('the comparison: mode × machine → messages received, what each message is, and the moral', () => {
    expect(comparisonLines(rounds.flat())).toEqual([
      'office PC | delete: 1, 2 | keep: 1, 2',
      'home PC   | delete: none | keep: 1, 2',
      'laptop    | delete: none | keep: 1, 2',
      '1: Lunch on Friday? (498 octets)',
      '2: Notes from the networking class (912 octets)',
      "Delete splits Bob's mail over his machines; keep lets every machine read every message.",
    ]);
  });

  it('the epilogue is not a row of the comparison', () => {
    const onlyEpilogue = rounds[2]!;
    expect(comparisonLines(onlyEpilogue)).toEqual([
      'office PC',
      'home PC',
      'laptop',
      "Delete splits Bob's mail over his machines; keep lets every machine read every message.",
    ]);
    expect(numbers([])).toBe('none');
  });
});

describe('textNarrator', () => {
  it('prints a title once, then only the lines the previous note did not start with', () => {
    let out = '';
    const n = textNarrator((t) => {
      out += t;
    });
    n.note('Round', ['intro']);
    n.note('Round', ['intro', '▸ office…']);
    n.note('Round', ['intro', 'office: got 1', 'same']);
    n.note('Round', ['intro', 'office: got 1', 'same', 'same']);
    n.note('End', ['table']);
    expect(out).toBe(
      '\n== Round ==\n   intro\n   ▸ office…\n   office: got 1\n   same\n   same\n\n== End ==\n   table\n',
    );
  });
});
