/**
 * The session list's rows: one small entry per session, what the list shows and filters on. The report
 * embeds them as its index (parsed at start, so 10,000 sessions list at once while their records stay
 * unparsed); the live page makes them from the records as they arrive. Pure: no DOM.
 */
import type { SessionSummary } from '../../analysis/types.js';
import type { JsonRecord, JsonSummaryRecord } from '../../render/json.js';

export interface SessionEntry {
  /** sessionKey(file, session) of diagram/sessions.ts: unique across files. */
  readonly key: string;
  readonly session: string;
  readonly file?: string;
  readonly user: string | null;
  readonly client: string | null;
  readonly upstream: string | null;
  readonly mode: SessionSummary['mode'] | null;
  /** Violations found in the session (the summary's counts, or those seen so far while it is live). */
  readonly violations: number;
  readonly commands: number;
  readonly startedAt: number | null;
  /** False while a live session has no summary yet. */
  readonly ended: boolean;
}

/** A report's index entry: the entry and the ids of the script elements holding its records, in order. */
export interface IndexEntry extends SessionEntry {
  readonly parts: readonly number[];
}

/** The sum of a summary's violation counts. */
export function violationCount(summary: Pick<JsonSummaryRecord, 'violations'>): number {
  let n = 0;
  for (const v of Object.values(summary.violations)) n += v;
  return n;
}

/**
 * Builds one session's entry from its records as they come (the report writer, the live page): the summary
 * settles every field; before it, what the records said so far.
 */
export class EntryBuilder {
  private user: string | null = null;
  private violations = 0;
  private commands = 0;
  private startedAt: number | null = null;
  private summary: JsonSummaryRecord | null = null;

  constructor(
    readonly key: string,
    readonly session: string,
    readonly file?: string,
  ) {}

  add(r: JsonRecord): void {
    if (r.type === 'summary') {
      this.summary = r;
      return;
    }
    if (r.type === 'transaction') {
      this.startedAt ??= r.startedAt;
      this.violations += r.violations.length;
      if (r.command) {
        this.commands++;
        // USER's argument is the mailbox name (never a secret); the summary confirms it later.
        if (r.command.verb === 'USER' && r.command.args[0] !== undefined) this.user ??= r.command.args[0];
      }
    } else if (r.type === 'violation') this.violations++;
  }

  entry(): SessionEntry {
    const s = this.summary;
    return {
      key: this.key,
      session: this.session,
      ...(this.file !== undefined ? { file: this.file } : {}),
      user: s ? s.user : this.user,
      client: s ? s.client : null,
      upstream: s ? s.upstream : null,
      mode: s ? s.mode : null,
      violations: s ? violationCount(s) : this.violations,
      commands: s ? s.commands : this.commands,
      startedAt: s ? s.startedAt : this.startedAt,
      ended: s !== null,
    };
  }
}

export interface ListFilter {
  /** Matched, case-insensitively, against the user, the session id, the client address and the file. */
  readonly text: string;
  readonly onlyViolations: boolean;
  /** A client mode, or '' for every mode. */
  readonly mode: string;
}

export const NO_FILTER: ListFilter = { text: '', onlyViolations: false, mode: '' };

/** Whether the list shows `e` under `f`. */
export function matches(e: SessionEntry, f: ListFilter): boolean {
  if (f.onlyViolations && e.violations === 0) return false;
  if (f.mode !== '' && e.mode !== f.mode) return false;
  const text = f.text.trim().toLowerCase();
  if (text === '') return true;
  return [e.user, e.session, e.client, e.file].some((v) => v?.toLowerCase().includes(text));
}

/** The entries the list shows, in order. */
export function filterEntries<E extends SessionEntry>(entries: readonly E[], f: ListFilter): E[] {
  if (f === NO_FILTER || (f.text.trim() === '' && !f.onlyViolations && f.mode === '')) return [...entries];
  return entries.filter((e) => matches(e, f));
}

/** The modes present, for the mode select. */
export function modesOf(entries: readonly SessionEntry[]): string[] {
  const seen = new Set<string>();
  for (const e of entries) if (e.mode) seen.add(e.mode);
  return [...seen].sort();
}
