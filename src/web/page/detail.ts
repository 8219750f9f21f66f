/**
 * What the detail pane shows for a clicked arrow (its id, diagram/types.ts Arrow.id): the exact bytes when
 * the record carries them (render/wireBytes.ts `bytes`: one char per octet; its `omitted` counts both sides'
 * cut octets and is shown under the response), else the line as recorded; the explanation, the
 * latency, the RFC, the violations. Pure: the DOM part only writes these strings with textContent.
 */

import type { SessionRecords } from '../../diagram/types.js';
import type { JsonTransactionRecord, JsonViolation } from '../../render/json.js';
import { counted } from '../../words.js';
import { visibleBytes } from './bytesView.js';

export interface ArrowDetail {
  readonly title: string;
  /** The bytes as shown (bytesView.ts), or the recorded line when the record has no bytes. */
  readonly bytes: string;
  /** Whether `bytes` are the octets on the wire (true) or the line as the record says it (false). */
  readonly exact: boolean;
  /** What was left out of the bytes shown, as a sentence, or ''. */
  readonly omitted: string;
  readonly explain: string;
  readonly latency: string;
  readonly rfc: string;
  readonly body: string;
  readonly violations: readonly JsonViolation[];
}

function statusLine(tx: JsonTransactionRecord): string {
  const r = tx.response;
  return [r.status, r.code ? `[${r.code}]` : '', r.text].filter((p) => p !== '').join(' ');
}

function latencyText(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1000 ? `${Math.round(ms * 10) / 10} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function omittedText(octets: number): string {
  return octets > 0 ? `${octets} more octets not in this report` : '';
}

function transactionDetail(tx: JsonTransactionRecord, side: 'command' | 'response'): ArrowDetail {
  const wire = tx.bytes;
  const r = tx.response;
  let shown: string;
  let exact: boolean;
  let omitted = 0;
  if (side === 'command') {
    exact = wire?.command != null;
    const v = visibleBytes(wire?.command ?? tx.command?.line ?? '');
    shown = v.text;
    omitted = v.cut;
  } else {
    exact = wire !== undefined;
    const v = visibleBytes(wire?.response ?? statusLine(tx));
    shown = v.text;
    omitted = v.cut + (wire?.omitted ?? 0);
  }
  const title =
    side === 'command'
      ? `command #${tx.seq}: ${tx.command?.line ?? ''}`
      : `${tx.seq === 0 ? 'greeting' : `response #${tx.seq}`}: ${statusLine(tx)}`;
  return {
    title,
    bytes: shown,
    exact,
    omitted: omittedText(omitted),
    explain: tx.explain,
    latency: latencyText(tx.latencyMs),
    rfc: tx.rfc,
    body: r.multiline
      ? `body: ${counted(r.bodyOctets, 'octet')} · ${counted(r.bodyLines, 'line')}${r.complete ? '' : ' (cut: no terminating ".")'}`
      : '',
    violations: tx.violations,
  };
}

function noteDetail(title: string, text: string): ArrowDetail {
  return {
    title,
    bytes: visibleBytes(text).text,
    exact: false,
    omitted: '',
    explain: '',
    latency: '—',
    rfc: '',
    body: '',
    violations: [],
  };
}

/** The detail of arrow `id` in `s`, or null when the session has no such arrow. */
export function arrowDetail(s: SessionRecords, id: string): ArrowDetail | null {
  const m = /^([crpia])(\d+)$/.exec(id);
  if (!m) return null;
  const n = Number(m[2]);
  switch (m[1]) {
    case 'c':
    case 'r': {
      const tx = s.transactions.find((t) => t.seq === n);
      if (!tx || (m[1] === 'c' && !tx.command)) return null;
      return transactionDetail(tx, m[1] === 'c' ? 'command' : 'response');
    }
    case 'p': {
      const p = s.proxy[n];
      return p ? noteDetail(`pop3scope said (${p.dir})`, p.text) : null;
    }
    case 'i': {
      const i = s.injected[n];
      return i ? noteDetail(`fault injected: ${i.rule}`, `${i.on}\n${i.what}`) : null;
    }
    default: {
      const a = s.alter[n];
      return a ? noteDetail(`pop3scope changed (${a.dir}): ${a.what}`, a.removed) : null;
    }
  }
}
