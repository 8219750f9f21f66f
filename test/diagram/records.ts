/**
 * Records for the diagram tests: a real capture analysed as `show --format json` does (analyzeCapture, then
 * jsonRecord), and small builders for hand-made edge cases.
 */
import { analyzeCapture } from '../../src/capture/analyzeCapture.js';
import { groupRecords } from '../../src/diagram/sessions.js';
import type { SessionRecords } from '../../src/diagram/types.js';
import {
  JSON_VERSION,
  type JsonRecord,
  type JsonTransactionRecord,
  jsonRecord,
} from '../../src/render/json.js';

/** The JSON records of captures/<name>.jsonl, in the order `show` prints them. */
export async function captureRecords(name: string): Promise<JsonRecord[]> {
  const out: JsonRecord[] = [];
  for await (const e of analyzeCapture(`captures/${name}.jsonl`)) {
    const record = jsonRecord(e);
    if (record) out.push(record);
  }
  return out;
}

/** The first session of captures/<name>.jsonl. */
export async function captureSession(name: string): Promise<SessionRecords> {
  const [first] = groupRecords(await captureRecords(name));
  if (!first) throw new Error(`${name}: no session`);
  return first;
}

/** An empty session to fill in by hand. */
export function emptySession(over: Partial<SessionRecords> = {}): SessionRecords {
  return {
    session: 's1',
    transactions: [],
    phases: [],
    violations: [],
    tls: [],
    proxy: [],
    alter: [],
    injected: [],
    summary: null,
    ...over,
  };
}

/** A transaction record: `line` null for the greeting; the response "+OK" unless told. */
export function tx(
  seq: number,
  line: string | null,
  over: {
    status?: '+OK' | '-ERR' | null;
    text?: string;
    pipelined?: boolean;
    startedAt?: number;
    endedAt?: number;
    multiline?: boolean;
    listing?: string[];
    phase?: JsonTransactionRecord['phase'];
    violations?: JsonTransactionRecord['violations'];
    session?: string;
    file?: string;
  } = {},
): JsonTransactionRecord {
  const words = line === null ? [] : line.split(' ');
  const startedAt = over.startedAt ?? 1000 + seq * 100;
  return {
    type: 'transaction',
    session: over.session ?? 's1',
    ...(over.file === undefined ? {} : { file: over.file }),
    version: JSON_VERSION,
    seq,
    phase: over.phase ?? 'TRANSACTION',
    command:
      line === null
        ? null
        : {
            verb: (words[0] ?? '').toUpperCase(),
            args: words.slice(1),
            line,
            pipelined: over.pipelined ?? false,
          },
    response: {
      status: over.status === undefined ? '+OK' : over.status,
      code: null,
      text: over.text ?? '',
      multiline: over.multiline ?? over.listing !== undefined,
      bodyOctets: over.listing ? over.listing.join('\r\n').length + 2 : 0,
      bodyLines: over.listing?.length ?? 0,
      complete: true,
      ...(over.listing ? { listing: over.listing } : {}),
    },
    startedAt,
    endedAt: over.endedAt ?? startedAt + 40,
    latencyMs: line === null ? null : 40,
    explain: '',
    rfc: 'RFC 1939 §5',
    violations: over.violations ?? [],
  };
}
