/**
 * The report's RecordSource: the records embedded in the file (embedded.ts). The page lists the sessions
 * from the index and asks for one session's records only when it is selected (`records`); `start` hands
 * every record over at once, for a caller that wants them all. Reads the document through a narrow
 * interface, so it is tested without a browser.
 */
import type { JsonRecord } from '../../render/json.js';
import type { RecordSource } from './config.js';
import { INDEX_ID, partId } from './embedded.js';
import type { IndexEntry } from './entries.js';

/** The part of the document read here. */
export interface ElementLookup {
  getElementById(id: string): { readonly textContent: string | null } | null;
}

export interface EmbeddedSource extends RecordSource {
  /** The sessions, in the order the report wrote them. */
  index(): readonly IndexEntry[];
  /** One session's records, parsed now from its parts. */
  records(entry: IndexEntry): JsonRecord[];
}

function parseElement<T>(doc: ElementLookup, id: string, fallback: T): T {
  const text = doc.getElementById(id)?.textContent;
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

export function embeddedSource(doc: ElementLookup): EmbeddedSource {
  let index: IndexEntry[] | null = null;
  const source: EmbeddedSource = {
    index() {
      index ??= parseElement<IndexEntry[]>(doc, INDEX_ID, []);
      return index;
    },
    records(entry) {
      const out: JsonRecord[] = [];
      for (const n of entry.parts)
        for (const r of parseElement<JsonRecord[]>(doc, partId(n), [])) out.push(r);
      return out;
    },
    start(onRecords, onStatus) {
      const all: JsonRecord[] = [];
      for (const e of source.index()) for (const r of source.records(e)) all.push(r);
      onRecords(all);
      onStatus?.('ended');
    },
  };
  return source;
}
