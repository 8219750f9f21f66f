/**
 * The first line of a response: status, optional response code (RFC 2449 §8), text. Status words are matched
 * case-insensitively so the exchange can still be followed, and anything not exactly "+OK" or "-ERR" is
 * reported, as real servers have sent "+ok" and "+ERR".
 */

export type Status = '+OK' | '-ERR';

export interface StatusLine {
  /** The status as understood, or null when the line has no recognisable status. */
  readonly status: Status | null;
  /** True when the status was written exactly as the RFC requires. */
  readonly exact: boolean;
  /** True for a SASL continuation: "+ " followed by base64, or a lone "+" (RFC 5034 §4). */
  readonly continuation: boolean;
  /** The response code without brackets, e.g. "SYS/TEMP", or null. */
  readonly code: string | null;
  readonly text: string;
}

const STATUS = /^([+-][A-Za-z]*)(?: (.*))?$/s;
const CODE = /^\[([^\]\s]*)\](?: (.*))?$/s;

export function parseStatusLine(line: string): StatusLine {
  if (line === '+' || line.startsWith('+ ')) {
    return { status: null, exact: true, continuation: true, code: null, text: line.slice(2) };
  }
  const match = STATUS.exec(line);
  const word = match?.[1]?.toUpperCase();
  const status: Status | null = word === '+OK' ? '+OK' : word === '-ERR' ? '-ERR' : null;
  if (!match || status === null) {
    return { status: null, exact: false, continuation: false, code: null, text: line };
  }
  const rest = match[2] ?? '';
  const code = CODE.exec(rest);
  return {
    status,
    exact: match[1] === status,
    continuation: false,
    code: code ? code[1]! : null,
    text: code ? (code[2] ?? '') : rest,
  };
}
