/**
 * The JSON Lines output of `show --format json` and `proxy --format json` (docs/json-output.md). Field names
 * are a contract: scripts rely on them. Message numbers are numbers; secrets were masked long before this.
 */
import type { EngineEvent, Transaction } from '../analysis/types.js';

function transactionRecord(tx: Transaction): Record<string, unknown> {
  const r = tx.response;
  return {
    type: 'transaction',
    session: tx.session,
    seq: tx.seq,
    phase: tx.phase,
    command: tx.command
      ? {
          verb: tx.command.verb,
          args: tx.command.args,
          line: tx.command.line,
          pipelined: tx.command.pipelined,
        }
      : null,
    response: {
      status: r.status,
      code: r.code,
      text: r.text,
      multiline: r.multiline,
      bodyOctets: r.bodyOctets,
      bodyLines: r.bodyLines,
      complete: r.complete,
      ...(r.listing ? { listing: r.listing } : {}),
      ...(r.digest ? { digest: r.digest } : {}),
    },
    ...(tx.sasl
      ? {
          sasl: {
            mechanism: tx.sasl.mechanism,
            outcome: tx.sasl.outcome,
            steps: tx.sasl.steps.map(({ from, text }) => ({ from, text })),
          },
        }
      : {}),
    startedAt: tx.startedAt,
    endedAt: tx.endedAt,
    latencyMs: tx.latencyMs,
    explain: tx.explain,
    rfc: tx.rfc,
    violations: tx.violations.map(({ code, severity, message, rfc }) => ({ code, severity, message, rfc })),
  };
}

/** The JSON record for an event, or null for events that have none (data, command). */
export function jsonRecord(e: EngineEvent): Record<string, unknown> | null {
  switch (e.type) {
    case 'transaction':
      return transactionRecord(e.tx);
    case 'phase':
      return { type: 'phase', session: e.session, from: e.from, to: e.to, at: e.at, reason: e.reason };
    case 'violation': {
      const { code, severity, message, rfc } = e.violation;
      return { type: 'violation', session: e.session, at: e.t, code, severity, message, rfc };
    }
    case 'tls':
      return { type: 'tls', session: e.session, at: e.t, ...e.info };
    case 'proxy':
      return { type: 'proxy', session: e.session, at: e.t, dir: e.dir, text: e.text };
    case 'alter':
      return {
        type: 'alter',
        session: e.session,
        at: e.t,
        dir: e.dir,
        what: e.what,
        removed: e.removed,
        code: e.code,
      };
    case 'summary': {
      const s = e.summary;
      return { type: 'summary', ...s };
    }
    default:
      return null;
  }
}

export function jsonLine(e: EngineEvent): string | null {
  const record = jsonRecord(e);
  return record ? JSON.stringify(record) : null;
}
