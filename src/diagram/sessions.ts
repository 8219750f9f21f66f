/**
 * The JSON records (render/json.ts, as `show --format json` prints them and the live feed streams them) grouped
 * into one SessionRecords per session. Records of different sessions interleave; the ones of a session keep
 * their order. A summary ends a session: a later record with the same key begins a new one (a capture read
 * twice, a proxy whose ids started again). Record types this version does not know are ignored, so a page
 * reading a newer writer's records still draws what it knows. Browser code: imports no Node module.
 */
import type {
  JsonAlterRecord,
  JsonInjectedRecord,
  JsonPhaseRecord,
  JsonProxyRecord,
  JsonRecord,
  JsonSummaryRecord,
  JsonTlsRecord,
  JsonTransactionRecord,
  JsonViolationRecord,
} from '../render/json.js';
import type { SessionRecords } from './types.js';

/** The key of a session: session ids repeat across capture files, so the file is part of it. */
export function sessionKey(file: string | undefined, session: string): string {
  return `${file ?? ''}\u0000${session}`;
}

/** The arrays a session is filled into; SessionRecords hands them out read-only. */
interface Building {
  readonly session: string;
  readonly file?: string;
  readonly transactions: JsonTransactionRecord[];
  readonly phases: JsonPhaseRecord[];
  readonly violations: JsonViolationRecord[];
  readonly tls: JsonTlsRecord[];
  readonly proxy: JsonProxyRecord[];
  readonly alter: JsonAlterRecord[];
  readonly injected: JsonInjectedRecord[];
  summary: JsonSummaryRecord | null;
}

function building(session: string, file: string | undefined): Building {
  return {
    session,
    ...(file === undefined ? {} : { file }),
    transactions: [],
    phases: [],
    violations: [],
    tls: [],
    proxy: [],
    alter: [],
    injected: [],
    summary: null,
  };
}

/** A fresh object over the same arrays: a view that compares by identity sees the change, at no copying cost. */
function snapshot(b: Building): SessionRecords {
  return { ...b };
}

/**
 * Groups records as they arrive (the live page) or all at once (groupRecords). `add` returns the session the
 * record belongs to, updated: a new object each time, whose arrays are shared with later snapshots (records
 * are only ever appended).
 */
export class SessionGrouper {
  /** The sessions still open (no summary yet), with their place in `snapshots`. */
  private readonly open = new Map<string, { readonly b: Building; readonly index: number }>();
  private readonly latest = new Map<string, SessionRecords>();
  private readonly snapshots: SessionRecords[] = [];

  add(record: JsonRecord): SessionRecords {
    const session = String(record.session);
    const file = typeof record.file === 'string' ? record.file : undefined;
    const key = sessionKey(file, session);
    let entry = this.open.get(key);
    if (entry === undefined) {
      const fresh = building(session, file);
      entry = { b: fresh, index: this.snapshots.length };
      this.open.set(key, entry);
      this.snapshots.push(snapshot(fresh));
    }
    const { b, index } = entry;
    switch (record.type) {
      case 'transaction':
        b.transactions.push(record);
        break;
      case 'phase':
        b.phases.push(record);
        break;
      case 'violation':
        b.violations.push(record);
        break;
      case 'tls':
        b.tls.push(record);
        break;
      case 'proxy':
        b.proxy.push(record);
        break;
      case 'alter':
        b.alter.push(record);
        break;
      case 'injected':
        b.injected.push(record);
        break;
      case 'summary':
        b.summary = record;
        // The session is over: a later record with this key starts another one.
        this.open.delete(key);
        break;
      default:
        // A record type of a newer version: ignored.
        break;
    }
    const s = snapshot(b);
    this.snapshots[index] = s;
    this.latest.set(key, s);
    return s;
  }

  /** The newest session with this key (sessionKey), or undefined. */
  get(key: string): SessionRecords | undefined {
    return this.latest.get(key);
  }

  /** Every session, in the order their first records came. */
  sessions(): SessionRecords[] {
    return [...this.snapshots];
  }
}

/** All records at once: the sessions in the order their first records came. */
export function groupRecords(records: Iterable<JsonRecord>): SessionRecords[] {
  const grouper = new SessionGrouper();
  for (const record of records) grouper.add(record);
  return grouper.sessions();
}
