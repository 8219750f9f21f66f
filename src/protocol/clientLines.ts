/**
 * Client lines: where the secret sits in a command line, how it is masked, and how a masked line is shown.
 * The engine masks every client line before it parses it, so parsing and display never see a secret.
 */

import { lookupCommand } from './commands.js';
import { decodeBase64, describeRedacted, isMasked, maskBase64Blob, maskInPlace } from './redact.js';
import { mechanism, type SaslStep } from './sasl.js';

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;

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

/**
 * The first word for secrecy decisions, upper case, and where it starts and ends. More lenient than the verb
 * shown: leading control bytes are skipped too, since some servers skip them ("\0PASS x" still hides x).
 */
function secretVerb(content: Uint8Array): { verb: string; start: number; end: number } {
  let start = 0;
  while (start < content.length && (content[start]! <= SPACE || content[start] === 0x7f)) start++;
  const [, end] = token(content, start);
  const verb = Buffer.from(content.buffer, content.byteOffset + start, end - start)
    .toString('latin1')
    .toUpperCase();
  return { verb, start, end };
}

const SECRET_VERB = /^(PASS|APOP|AUTH)/;

/**
 * Where the secret of a command line begins (-1: none). Verbs that merely start like a secret-bearing one
 * ("PASSWORD", "PASS\0x") are treated as secret from their fifth byte: better too much hidden than too little.
 */
export function secretStart(content: Uint8Array): number {
  const { verb, start, end: verbEnd } = secretVerb(content);
  if (verb === 'PASS') return Math.min(verbEnd + 1, content.length);
  if (verb === 'APOP') return token(content, token(content, verbEnd)[1])[0];
  if (verb === 'AUTH') return token(content, token(content, verbEnd)[1])[0];
  if (SECRET_VERB.test(verb)) return start + 4;
  return -1;
}

/**
 * Where to start masking a line too long to keep, judged from its kept prefix (-1: nothing). Only a known,
 * non-secret verb is shown: no real command is that long, so anything else cannot be classified with
 * confidence, and neither can a prefix with a bare CR (a server may take it as a line end).
 */
export function overflowSecretStart(prefix: Uint8Array, guarded: boolean): number {
  const start = secretStart(prefix);
  if (start >= 0) return start;
  if (guarded || prefix.includes(CR)) return 0;
  return lookupCommand(secretVerb(prefix).verb) ? -1 : 0;
}

/**
 * Masks the secrets of a complete command line in place. A bare CR ends a line for some servers, so each
 * CR-separated segment is judged as a line of its own. While `guarded` (see secretGuard.ts), a segment that
 * is not a known command may be a bare credential: it is masked whole.
 */
export function maskCommand(content: Buffer, guarded: boolean): void {
  let from = 0;
  for (;;) {
    const cr = content.indexOf(CR, from);
    maskSegment(content.subarray(from, cr === -1 ? content.length : cr), guarded);
    if (cr === -1) return;
    from = cr + 1;
  }
}

function maskSegment(content: Buffer, guarded: boolean): void {
  const { verb, start, end: verbEnd } = secretVerb(content);
  if (verb === 'AUTH') {
    const [mechStart, mechEnd] = token(content, verbEnd);
    const [irStart, irEnd] = token(content, mechEnd);
    if (irStart >= content.length) return;
    const mech = mechanism(content.subarray(mechStart, mechEnd).toString('latin1'));
    const ir = content.subarray(irStart, irEnd);
    content.set(
      maskBase64Blob(ir, (d) => mech.maskClient(d, { index: 0, challenge: '' })),
      irStart,
    );
    // Anything after the initial response is not defined by RFC 5034: hide it.
    maskInPlace(content, irEnd);
    return;
  }
  const from = secretStart(content);
  if (from >= 0) {
    maskInPlace(content, from);
    return;
  }
  if (guarded && start < content.length && !lookupCommand(verb)) maskInPlace(content, start);
}

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
  // PASS takes the rest of the line as one argument (it may contain spaces, RFC 1939 §7).
  const argBytes = rest.length === 0 ? [] : verb === 'PASS' ? [rest] : splitSpaces(rest);
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
