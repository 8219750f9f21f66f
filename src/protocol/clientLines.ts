/**
 * Client lines: how SASL responses and challenges are masked, and how a masked line is shown. Where the secret
 * of a command line sits is secrecy.ts. The engine masks every client line before it parses it, so parsing
 * and display never see a secret.
 */

import { lookupCommand, takesRestOfLine } from './commands.js';
import { decodeBase64, describeRedacted, isMasked, maskBase64Blob } from './redact.js';
import { mechanism, type SaslStep } from './sasl.js';
import { secretStart } from './secrecy.js';

const SPACE = 0x20;
const TAB = 0x09;

function isBlank(b: number | undefined): boolean {
  return b === SPACE || b === TAB;
}

/** Start and end of the whitespace-separated token at or after `from`. */
function token(content: Uint8Array, from: number): [number, number] {
  let start = from;
  while (start < content.length && isBlank(content[start])) start++;
  let end = start;
  while (end < content.length && !isBlank(content[end])) end++;
  return [start, end];
}

/** The first word, upper case; leading blanks are skipped (a line " PASS x" still hides x). */
function verbOf(content: Uint8Array): string {
  const [start, end] = token(content, 0);
  // Decoded in place (no copy): this runs for every command, several times.
  return Buffer.from(content.buffer, content.byteOffset + start, end - start)
    .toString('latin1')
    .toUpperCase();
}

const SECRET_VERB = /^(PASS|APOP|AUTH)/;

/** Masks a client line sent inside an AUTH exchange, in place. `*` (cancel) stays visible. */
export function maskSaslResponse(content: Buffer, mechName: string, step: SaslStep): void {
  const mech = mechanism(mechName);
  const text = content.toString('latin1');
  if (text === '*') return;
  content.set(maskBase64Blob(content, (d) => mech.maskClient(d, step)));
}

/** Masks a server challenge ("+ base64") inside an AUTH exchange, in place, when the mechanism needs it. */
export function maskSaslChallenge(content: Buffer, mechName: string): void {
  const mech = mechanism(mechName);
  if (!mech.serverSecrets || content.length <= 2) return;
  const payload = content.subarray(2);
  content.set(
    maskBase64Blob(payload, (d) => mech.maskServer(d)),
    2,
  );
}

export interface ShownSasl {
  readonly text: string;
  readonly badBase64: boolean;
  readonly user?: string;
  readonly layer?: string;
}

/** Shows a masked SASL client blob: decoded fields, secrets as descriptors. */
export function showSaslResponse(maskedBlob: Buffer, mechName: string, step: SaslStep): ShownSasl {
  const text = maskedBlob.toString('latin1');
  if (text === '*') return { text: '* (cancel)', badBase64: false };
  if (text === '=' || text === '') return { text: '(empty)', badBase64: false };
  // Valid base64 stays valid base64 when masked; only a blob that was not base64 is masked whole.
  if (isMasked(maskedBlob)) return { text: `not base64 ${describeRedacted(maskedBlob)}`, badBase64: true };
  const decoded = decodeBase64(text);
  if (!decoded) return { text: `not base64 ${describeRedacted(maskedBlob)}`, badBase64: true };
  const mech = mechanism(mechName);
  return {
    text: mech.showClient(decoded, step),
    badBase64: false,
    user: mech.userOf?.(decoded, step),
    layer: mech.securityLayer?.(decoded),
  };
}

/** Shows a server challenge: its decoded text when printable, else its size. */
export function showSaslChallenge(payload: string): { text: string; decoded: string; badBase64: boolean } {
  if (payload === '') return { text: '(empty challenge)', decoded: '', badBase64: false };
  const bytes = Buffer.from(payload, 'latin1');
  if (isMasked(bytes)) return { text: `challenge ${describeRedacted(bytes)}`, decoded: '', badBase64: false };
  const decoded = decodeBase64(payload);
  if (!decoded) return { text: `not base64: ${JSON.stringify(payload)}`, decoded: '', badBase64: true };
  const asText = decoded.toString('utf8');
  const printable = /^[\x20-\x7e\t]*$/.test(asText);
  return {
    text: printable ? `challenge ${JSON.stringify(asText)}` : `challenge of ${decoded.length} octets`,
    decoded: asText,
    badBase64: false,
  };
}

/** Splits bytes on single spaces, as RFC 1939 §3 separates arguments. */
function splitSpaces(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (let i = bytes.indexOf(SPACE); i !== -1; i = bytes.indexOf(SPACE, from)) {
    out.push(bytes.subarray(from, i));
    from = i + 1;
  }
  out.push(bytes.subarray(from));
  return out;
}

/** A word for display: a masked value becomes its descriptor, anything else its text. */
function shown(bytes: Buffer): string {
  return isMasked(bytes) ? describeRedacted(bytes) : bytes.toString('utf8');
}

/**
 * Splits a masked command line for display: verb, raw arguments (for the grammar check), shown arguments and
 * the shown line. Works on bytes, so a masked non-ASCII secret is recognised before any text decoding.
 */
export function showCommand(masked: Buffer): {
  verb: string;
  rawArgs: string[];
  args: string[];
  line: string;
} {
  const verb = verbOf(masked);
  const spaceAt = masked.indexOf(SPACE);
  const head = spaceAt === -1 ? masked : masked.subarray(0, spaceAt);
  const rest = spaceAt === -1 ? Buffer.alloc(0) : masked.subarray(spaceAt + 1);
  // PASS takes the rest of the line as one argument (it may contain spaces, RFC 1939 §7): its grammar says so.
  const spec = lookupCommand(verb);
  const argBytes = rest.length === 0 ? [] : spec && takesRestOfLine(spec) ? [rest] : splitSpaces(rest);
  const rawArgs = argBytes.map((a) => a.toString('latin1'));
  const args = argBytes.map(shown);
  const secretFrom = secretStart(masked);
  let line = [shown(head), ...args].join(' ');
  if (secretFrom >= 0 && verb.length > 4 && SECRET_VERB.test(verb)) {
    line = `${masked.subarray(0, secretFrom).toString('utf8')}${describeRedacted(masked.subarray(secretFrom))}`;
  }
  if (verb === 'AUTH' && args.length >= 2 && rawArgs[1] !== '=') {
    args[1] = `<initial response, ${argBytes[1]!.length} octets>`;
    line = [shown(head), ...args].join(' ');
  }
  return { verb, rawArgs, args, line };
}
