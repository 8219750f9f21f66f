/** The log sink: one child logger per session; connections, phases, logins (user names only) and violations. */
import type { EngineEvent } from '../../analysis/types.js';
import type { ProxySink, SessionEnd, SessionStart } from '../../events.js';
import type { Logger } from '../../log/logger.js';

export function logSink(logger: Logger): ProxySink {
  const children = new Map<string, Logger>();
  return {
    open(s: SessionStart) {
      const child = logger.child({ session: s.session });
      children.set(s.session, child);
      child.info({ client: s.client, upstream: s.upstream }, 'session opened');
    },
    event(e: EngineEvent) {
      const log = children.get(e.session);
      if (!log) return;
      if (e.type === 'phase') log.info({ from: e.from, to: e.to }, `phase ${e.to}: ${e.reason}`);
      else if (e.type === 'violation') log.warn({ code: e.violation.code }, e.violation.message);
      else if (e.type === 'transaction') {
        for (const v of e.tx.violations) log.debug({ code: v.code, seq: e.tx.seq }, v.message);
        if (e.tx.command)
          log.debug(
            { seq: e.tx.seq, command: e.tx.command.line, status: e.tx.response.status },
            'transaction',
          );
      } else if (e.type === 'summary') {
        const s = e.summary;
        log.info(
          {
            user: s.user,
            auth: s.auth,
            mode: s.mode,
            retrieved: s.retrieved,
            removed: s.removed,
            discarded: s.discarded,
            violations: s.violations,
            bytes: s.bytes,
          },
          'session summary',
        );
      }
    },
    close(end: SessionEnd) {
      children.get(end.session)?.info({ by: end.by, reason: end.reason }, 'session closed');
      children.delete(end.session);
    },
    stop() {
      logger.flush?.();
    },
  };
}
