/**
 * The seed's story of Bob's three machines (office PC, home PC, laptop) as tables, and what the class is told
 * about each session: `demo --play keep-vs-delete`. Pure: storyPlayer.ts plays it and hands in what each
 * session really got, and every line said here is computed from that, never assumed.
 *
 * Round 1, download-and-delete: the office PC downloads and deletes; home and laptop find the mailbox empty.
 * Round 2, on a refilled mailbox, download-and-keep: every machine gets every message, numbered from 1 and
 * unmarked each time (the server keeps no state across sessions). An epilogue: the laptop marks both and loses
 * its connection before QUIT; its next session finds both again (a dropped connection removes nothing).
 */

import { counted } from '../words.js';
import type { ScenarioName } from './scenarios.js';

export type MachineName = 'office' | 'home' | 'laptop';

export interface Machine {
  readonly name: MachineName;
  readonly label: string;
  /** The loopback address its sessions come from, so the dashboard's CLIENT column tells them apart. */
  readonly address: string;
}

export const MACHINES: readonly Machine[] = [
  { name: 'office', label: 'office PC', address: '127.0.0.2' },
  { name: 'home', label: 'home PC', address: '127.0.0.3' },
  { name: 'laptop', label: 'laptop', address: '127.0.0.4' },
];

const machine = (name: MachineName): Machine => MACHINES.find((m) => m.name === name)!;

export interface Scene {
  readonly machine: Machine;
  readonly mode: ScenarioName;
  /** False: the connection drops after the last command, without QUIT. */
  readonly quits: boolean;
}

export interface Round {
  readonly title: string;
  /** Start from a fresh demo mailbox (and say so on screen). */
  readonly refill: boolean;
  /** What the class is told before the first session. */
  readonly intro: readonly string[];
  readonly scenes: readonly Scene[];
  /** The round is a row of the final comparison (mode × machine → messages received). */
  readonly compared: boolean;
}

const everyMachine = (mode: ScenarioName): Scene[] =>
  MACHINES.map((m) => ({ machine: m, mode, quits: true }));

export const STORY: readonly Round[] = [
  {
    title: 'Round 1 of 2: download-and-delete',
    refill: false,
    intro: ['Each machine: LIST, RETR and DELE each message, QUIT.'],
    scenes: everyMachine('download-and-delete'),
    compared: true,
  },
  {
    title: 'Round 2 of 2: download-and-keep',
    refill: true,
    intro: ['Each machine: UIDL, RETR each message, QUIT (no DELE).'],
    scenes: everyMachine('download-and-keep'),
    compared: true,
  },
  {
    title: 'Epilogue: a dropped connection',
    refill: false,
    intro: ['The laptop deletes, but loses its network before QUIT.'],
    scenes: [
      { machine: machine('laptop'), mode: 'download-and-delete', quits: false },
      { machine: machine('laptop'), mode: 'download-and-delete', quits: true },
    ],
    compared: false,
  },
];

/** What the class is told when a round starts on a refilled mailbox. */
export const refilledLine = (messages: number) =>
  `The demo mailbox was refilled: ${counted(messages, 'message')} again.`;

/** A message a session downloaded (RETR), as the server numbered it in that session. */
export interface Received {
  readonly number: number;
  readonly octets: number;
  readonly subject: string;
}

/** What one session really did, from the server's answers. */
export interface SessionResult {
  readonly scene: Scene;
  /** The local address the session came from (the machine's, or 127.0.0.1 where that is missing). */
  readonly from: string;
  /** The numbers LIST or UIDL listed. */
  readonly listed: readonly number[];
  readonly received: readonly Received[];
  /** The numbers DELE marked (+OK). */
  readonly marked: readonly number[];
  /** The numbers UPDATE removed: the marked ones after a +OK to QUIT; none when the connection dropped. */
  readonly removed: readonly number[];
}

/** "1, 2", or "none". */
export function numbers(ns: readonly number[]): string {
  return ns.length ? ns.join(', ') : 'none';
}

const STEPS: Record<ScenarioName, string> = {
  'download-and-delete': 'LIST, RETR + DELE each, QUIT',
  'download-and-keep': 'UIDL, RETR each, QUIT',
};

/** The line shown while a session runs: which machine, from where, doing what. */
export function connectsLine(scene: Scene, from: string): string {
  const steps = scene.quits ? STEPS[scene.mode] : STEPS[scene.mode].replace(', QUIT', ', no QUIT');
  return `▸ ${scene.machine.label} (${from}): ${steps}…`;
}

/**
 * What the class is told about a finished session, given the earlier sessions of its round: one line each, a
 * whole sentence (the dashboard wraps it to the pane's width).
 */
export function sessionLines(r: SessionResult, earlier: readonly SessionResult[]): string[] {
  const who = r.scene.machine.label;
  const got = numbers(r.received.map((m) => m.number));
  if (!r.scene.quits) {
    return [
      `${who}: got ${got}, DELE marked ${numbers(r.marked)}, then the connection dropped: no QUIT, no UPDATE.`,
    ];
  }
  const dropped = earlier.at(-1);
  if (dropped && !dropped.scene.quits) {
    return [
      `${who} again: ${numbers(r.listed)} listed, unmarked: the marks ended with the dropped session. QUIT removed ${numbers(r.removed)}.`,
    ];
  }
  if (r.listed.length === 0) {
    const deleter = earlier.find((e) => e.removed.length > 0);
    const why = deleter
      ? `the ${deleter.scene.machine.label} deleted ${numbers(deleter.removed)} (DELE, then QUIT)`
      : 'nothing was in it';
    return [`${who}: the mailbox is empty, it gets nothing: ${why}.`];
  }
  if (r.scene.mode === 'download-and-delete')
    return [`${who}: got ${got}; DELE marked them, QUIT removed ${numbers(r.removed)}.`];
  const before = earlier.filter((e) => e.received.length > 0).length;
  if (before === 0) return [`${who}: got ${got}; no DELE, so QUIT removed nothing.`];
  if (before === 1)
    return [`${who}: got ${got} too, numbered afresh, unmarked: the server keeps no state across sessions.`];
  return [`${who}: got ${got} as well: every machine sees every message.`];
}

/** The final screen's title: it says the story finished, whatever room the screen leaves for the lines. */
export const COMPARISON_TITLE = "Finished: what each of Bob's machines got";

/**
 * The final screen: a table of machine × mode → messages received, what each message is, and the moral. Each
 * round that is `compared` is a column (its cells say which mode); a machine with several sessions in a round shows all it received.
 * Cells are divided by '|' as well as padded: the dashboard's note wraps words, which collapses the padding.
 */
export function comparisonLines(results: readonly SessionResult[]): string[] {
  const compared = results.filter((r) => STORY.find((round) => round.scenes.includes(r.scene))?.compared);
  const modes = [...new Set(compared.map((r) => r.scene.mode))];
  const cell = (m: Machine, mode: ScenarioName) =>
    numbers([
      ...new Set(
        compared
          .filter((r) => r.scene.mode === mode && r.scene.machine === m)
          .flatMap((r) => r.received.map((x) => x.number)),
      ),
    ]);
  // Each cell names its mode ("delete: 1, 2"), so no header row is needed: a short pane shows every machine.
  const cells = MACHINES.map((m) => modes.map((mode) => `${MODE_HEADS[mode]}: ${cell(m, mode)}`));
  const first = Math.max(...MACHINES.map((m) => m.label.length)) + 1;
  const width = Math.max(...cells.flat().map((c) => c.length)) + 1;
  const row = (head: string, of: string[]) =>
    [head.padEnd(first), ...of.map((c) => c.padEnd(width))].join('| ').trimEnd();
  const legend = new Map<number, Received>();
  for (const r of compared) for (const m of r.received) if (!legend.has(m.number)) legend.set(m.number, m);
  return [
    ...MACHINES.map((m, i) => row(m.label, cells[i]!)),
    ...[...legend.values()]
      .sort((a, b) => a.number - b.number)
      .map((m) => `${m.number}: ${m.subject} (${counted(m.octets, 'octet')})`),
    "Delete splits Bob's mail over his machines; keep lets every machine read every message.",
  ];
}

/** The comparison's column heads: short, so a row fits a narrow pane. */
const MODE_HEADS: Record<ScenarioName, string> = {
  'download-and-delete': 'delete',
  'download-and-keep': 'keep',
};
