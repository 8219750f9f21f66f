/**
 * The live transcript on stdout: the same text as `show` (or the same JSON Lines as `show --format json`),
 * printed as each transaction completes, every line naming its session. stdout may be a slow pipe: past
 * MAX_STDOUT_BACKLOG bytes waiting, lines are dropped and counted rather than buffered without bound, so a
 * frozen terminal never stalls or bloats the relay.
 */

import type { Writable } from 'node:stream';
import type { EngineEvent } from '../../analysis/types.js';
import type { ProxySink, SessionStart } from '../../events.js';
import { jsonLine } from '../../render/json.js';
import { COLOUR, PLAIN } from '../../render/style.js';
import { TranscriptPrinter } from '../../render/text.js';
import { counted } from '../../words.js';
import { MAX_STDOUT_BACKLOG } from '../limits.js';

export interface LiveOptions {
  readonly format: 'text' | 'json';
  readonly colour: boolean;
  readonly out?: Writable;
}

export function liveSink(o: LiveOptions): ProxySink {
  const out = o.out ?? process.stdout;
  const printers = new Map<string, TranscriptPrinter>();
  let dropped = 0;

  const write = (lines: string[]) => {
    if (lines.length === 0) return;
    if (out.writableLength > MAX_STDOUT_BACKLOG) {
      dropped += lines.length;
      return;
    }
    if (dropped > 0) {
      lines.unshift(
        `[pop3scope] ${counted(dropped, 'transcript line')} dropped: stdout was not keeping up (the capture has everything)`,
      );
      dropped = 0;
    }
    out.write(`${lines.join('\n')}\n`);
  };

  return {
    open(s: SessionStart) {
      const printer = new TranscriptPrinter({ style: o.colour ? COLOUR : PLAIN });
      printers.set(s.session, printer);
      if (o.format === 'text')
        write(printer.header(s.session, s.client, s.upstream, s.t).map((l) => `[${s.session}] ${l}`));
    },
    event(e: EngineEvent) {
      if (o.format === 'json') {
        const line = jsonLine(e);
        if (line) write([line]);
        return;
      }
      const printer = printers.get(e.session);
      if (!printer) return;
      write(printer.event(e).map((l) => `[${e.session}] ${l}`));
      if (e.type === 'summary') printers.delete(e.session);
    },
  };
}
