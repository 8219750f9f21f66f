/**
 * Drives the engine from capture records: one Inspector per session, fed exactly as the live proxy fed it,
 * so a replayed capture shows what the live session showed. Sessions the capture never closed (a crash, a
 * capture still being written) are closed at the last timestamp seen.
 */

import { Inspector } from '../analysis/inspector.js';
import type { EngineEvent } from '../analysis/types.js';
import { VIOLATIONS, type ViolationCode } from '../protocol/violations.js';
import { counted } from '../words.js';
import { actionEvents, uncleanTlsEvents } from './actions.js';
import { type CaptureRecord, dataBytes } from './format.js';

export class CaptureAnalyzer {
  private readonly sessions = new Map<string, Inspector>();
  private lastT = 0;

  constructor(private readonly wanted?: (session: string) => boolean) {}

  /** Feeds one record; returns the events it caused. */
  record(record: CaptureRecord): EngineEvent[] {
    if (record.type === 'header') return [];
    if (this.wanted && !this.wanted(record.session)) return [];
    this.lastT = Math.max(this.lastT, record.t);
    switch (record.type) {
      case 'open': {
        const previous = this.sessions.get(record.session);
        const out = previous ? previous.close(record.t, null, 'a new session reused this id') : [];
        const inspector = new Inspector(record.session, record, record.t);
        this.sessions.set(record.session, inspector);
        return record.midStream ? out.concat(inspector.midStream(record.t)) : out;
      }
      case 'data':
        return this.inspector(record.session, record.t).receive(record.dir, dataBytes(record), record.t);
      case 'tls': {
        // The record's own fields are not TLS facts: the live event never had them.
        const { type: _type, session, t, ...info } = record;
        return this.inspector(session, t).tls(info, t);
      }
      case 'gap':
        // The engine goes on with the records that follow: inside a body (where a fast transfer drops) it
        // stays in step, and the warning says that anything after it may be misread.
        return this.inspector(record.session, record.t).report(
          'POP3_CAPTURE_GAP',
          `${counted(record.records, 'data record')} (${counted(record.octets, 'octet')}) ${record.records === 1 ? 'was' : 'were'} not recorded here`,
          record.t,
        );
      case 'lost':
        return this.inspector(record.session, record.t).lost(record.dir, record.octets, record.t);
      case 'note': {
        // A code this pop3scope does not know (a newer writer) shows nothing.
        if (!Object.hasOwn(VIOLATIONS, record.code)) return [];
        return this.inspector(record.session, record.t).report(
          record.code as ViolationCode,
          record.detail,
          record.t,
        );
      }
      case 'proxy':
      case 'alter':
        return actionEvents(this.inspector(record.session, record.t), record);
      case 'inject':
        return this.inspector(record.session, record.t).injected(record, record.t);
      case 'close': {
        const inspector = this.inspector(record.session, record.t);
        this.sessions.delete(record.session);
        const unclean = record.uncleanTls === 'server' ? uncleanTlsEvents(inspector, record.t) : [];
        return [...unclean, ...inspector.close(record.t, record.by, record.reason)];
      }
    }
  }

  /** Closes every session still open: the capture ended without their close records. */
  end(): EngineEvent[] {
    const out: EngineEvent[] = [];
    for (const inspector of this.sessions.values())
      for (const item of inspector.close(this.lastT, null, 'the capture ends here')) out.push(item);
    this.sessions.clear();
    return out;
  }

  private inspector(session: string, t: number): Inspector {
    let inspector = this.sessions.get(session);
    if (!inspector) {
      // Data without an open record: still worth showing.
      inspector = new Inspector(session, {}, t);
      this.sessions.set(session, inspector);
    }
    return inspector;
  }
}
