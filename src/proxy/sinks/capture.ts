/**
 * The capture sink: writes each proxied session to a capture file as it happens (open, masked data, tls,
 * pop3scope's own actions and injected faults, close).
 */
import type { EngineEvent } from '../../analysis/types.js';
import type { CaptureWriter } from '../../capture/writer.js';
import type { ProxySink, SessionEnd, SessionStart } from '../../events.js';

export function captureSink(writer: CaptureWriter): ProxySink {
  return {
    open(s: SessionStart) {
      writer.write({
        type: 'open',
        session: s.session,
        t: s.t,
        client: s.client,
        upstream: s.upstream,
        tls: s.tls,
      });
    },
    event(e: EngineEvent) {
      if (e.type === 'data') writer.writeData(e.session, e.t, e.dir, e.bytes);
      else if (e.type === 'tls') writer.write({ type: 'tls', session: e.session, t: e.t, ...e.info });
      else if (e.type === 'proxy')
        writer.write({ type: 'proxy', session: e.session, t: e.t, dir: e.dir, text: e.text });
      else if (e.type === 'alter') {
        const { type, session, t, dir, what, removed, code } = e;
        writer.write({ type, session, t, dir, what, removed, ...(code ? { code } : {}) });
      } else if (e.type === 'injected')
        writer.write({ type: 'inject', session: e.session, t: e.t, rule: e.rule, on: e.on, what: e.what });
    },
    close(end: SessionEnd) {
      const { session, t, by, reason, uncleanTls } = end;
      writer.write({ type: 'close', session, t, by, reason, ...(uncleanTls ? { uncleanTls } : {}) });
    },
    // The relay pauses while the file is behind: a fast transfer slows to the disk's speed, nothing is dropped.
    pressure: () => (writer.congested ? writer.relieved() : null),
    stop: () => writer.close(),
  };
}
