/**
 * The plain-text view for --no-ui (or no terminal): the same transcript text as `show`, each line prefixed by
 * its session like the live proxy prints it, written with backpressure so a replay into a slow pipe waits
 * instead of buffering without bound.
 */

import { eventStart } from '../analysis/eventTime.js';
import type { EngineEvent } from '../analysis/types.js';
import type { ReplaySink, SessionStart } from '../events.js';
import { COLOUR, PLAIN } from './style.js';
import { TranscriptPrinter } from './text.js';

export interface LineWriter {
  lines(lines: readonly string[]): Promise<void>;
}

export function textSink(out: LineWriter, colour: boolean): ReplaySink {
  const style = colour ? COLOUR : PLAIN;
  const printers = new Map<string, TranscriptPrinter>();
  const prefixed = (session: string, lines: string[]) => lines.map((l) => `[${session}] ${l}`);
  const printer = (
    session: string,
    client: string | null,
    upstream: string | null,
    t: number,
  ): { p: TranscriptPrinter; head: string[] } => {
    const p = new TranscriptPrinter({ style });
    printers.set(session, p);
    // The header comes from a printer of its own: `show` prints it last, so its events measure phase times
    // from the first event, not from the open; the same printer state gives the same text.
    return { p, head: new TranscriptPrinter({ style }).header(session, client, upstream, t) };
  };
  return {
    open(s: SessionStart) {
      const { head } = printer(s.session, s.client, s.upstream, s.t);
      return out.lines(prefixed(s.session, head));
    },
    event(e: EngineEvent) {
      let lines: string[] = [];
      let p = printers.get(e.session);
      // A session whose open record is missing (a capture cut at the front) still gets a header.
      if (!p) {
        if (e.type === 'data') return;
        const made = printer(e.session, null, null, eventStart(e));
        p = made.p;
        lines = made.head;
      }
      lines.push(...p.event(e));
      if (e.type === 'summary') printers.delete(e.session);
      return out.lines(prefixed(e.session, lines));
    },
  };
}
