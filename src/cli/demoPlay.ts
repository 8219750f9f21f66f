/**
 * `demo --play`: what the built-in clients play through the proxy, and what the class is told meanwhile — on
 * the dashboard as its note (Dashboard.showNote), with --no-ui as text lines (on stderr when stdout carries
 * JSON). Every run ends by saying that it finished.
 */
import { type BeforeCommand, pause, play } from '../demo/player.js';
import type { RefillableDemoStore } from '../demo/refillStore.js';
import { SCENARIOS, type ScenarioName } from '../demo/scenarios.js';
import type { SessionsSettled } from '../demo/settled.js';
import { type StepKey, upcoming } from '../demo/stepKey.js';
import { type Narrator, playStory, textNarrator } from '../demo/storyPlayer.js';
import { demoUsers } from '../server/demoMailbox.js';
import type { Dashboard } from '../ui/dashboard.js';

export type PlayChoice = ScenarioName | 'both' | 'keep-vs-delete';
export const PLAY_CHOICES: readonly PlayChoice[] = [...SCENARIOS, 'both', 'keep-vs-delete'];

export interface DemoPlay {
  readonly play: PlayChoice;
  readonly port: number;
  readonly paceMs: number;
  readonly store: RefillableDemoStore;
  readonly sessions: SessionsSettled;
  /** The dashboard, or null with --no-ui. */
  readonly dashboard: Dashboard | null;
  /** Where --no-ui narration goes: stdout for the text transcript, stderr beside JSON. */
  readonly write: (text: string) => void;
  /** --step: the key the client waits for before each command (space on the dashboard, Enter with --no-ui). */
  readonly step?: StepKey | null;
}

/**
 * --step: before each command, the class sees it (its secret masked) and what it asks, and the client waits for
 * the key; the answer is then the server's own, shown as it arrives. Once stdin ended, the rest plays at its pace.
 */
function stepThrough(o: DemoPlay): BeforeCommand | undefined {
  const key = o.step;
  if (!key) return undefined;
  const dashboard = o.dashboard;
  return async (command) => {
    if (!key.stepping) return;
    const next = upcoming(command);
    if (dashboard) dashboard.showNext(next);
    else o.write(`   next: C: ${next.line}\n   ↳ ${next.ask} (Enter sends it)\n`);
    await key.wait();
    dashboard?.showNext(null);
  };
}

/** What each mode does (said while it plays) and leaves behind (said once it is done). */
const WHAT: Record<ScenarioName, { readonly does: string; readonly leaves: string }> = {
  'download-and-delete': { does: 'LIST, RETR + DELE each, QUIT', leaves: 'QUIT removed the messages' },
  'download-and-keep': { does: 'UIDL, RETR each, QUIT', leaves: 'the messages stay on the server' },
};

export async function playDemo(o: DemoPlay): Promise<void> {
  const dashboard = o.dashboard;
  const narrator: Narrator = dashboard
    ? { note: (title, lines) => dashboard.showNote(title, lines) }
    : textNarrator(o.write);
  // The final note's title says it finished; on the dashboard, also how to leave.
  const finished = dashboard ? 'The demo stays until q.' : null;
  const bob = demoUsers()[0]!;
  const before = stepThrough(o);
  if (o.play === 'keep-vs-delete') {
    await playStory({
      host: '127.0.0.1',
      port: o.port,
      user: bob.name,
      password: bob.password,
      paceMs: o.paceMs,
      refill: () => o.store.refill(bob.name),
      settled: () => o.sessions.settled(),
      narrator,
      finished,
      before,
    });
    return;
  }
  // Keep first: it leaves the maildrop whole for the delete run that follows it.
  const modes: ScenarioName[] = o.play === 'both' ? ['download-and-keep', 'download-and-delete'] : [o.play];
  const played = modes.join(', then ');
  const title = `Playing ${played}`;
  const done: string[] = [];
  for (const scenario of modes) {
    narrator.note(title, [...done, `▸ ${scenario}: ${WHAT[scenario].does}…`]);
    await play({
      host: '127.0.0.1',
      port: o.port,
      scenario,
      user: bob.name,
      password: bob.password,
      messages: bob.messages.length,
      paceMs: o.paceMs,
      before,
    });
    await o.sessions.settled();
    done.push(`${scenario}: played; ${WHAT[scenario].leaves}.`);
    await pause(o.paceMs);
  }
  narrator.note(`Finished: ${played}`, [...done, ...(finished ? [finished] : [])]);
}
