/**
 * Which bytes of a client command line are secret. The rule is "better too much hidden than too little": the
 * RFC places (PASS, the APOP digest, AUTH's initial response) and every place a broken or confused client has
 * been seen to put a credential — after leading controls or a BOM, after a bare CR that some servers take as
 * a line end, as a second USER argument, as an AUTH blob without a mechanism, as an IMAP LOGIN sent to the
 * POP3 port, as a bare line after a login step (see secretGuard.ts). Decisions use only what masking keeps
 * (verbs, the phase, the guard), so the masked line, fed to the engine again, is judged the same way.
 */
import { checkArguments, lookupCommand } from './commands.js';
import { maskBase64Blob, maskInPlace } from './redact.js';
import { mechanism } from './sasl.js';

const CR = 0x0d;

/** Where a client line is sent: whether bare lines may be credentials, and whether nobody logged in yet. */
export interface LineContext {
  /** After a login step, until the server has clearly moved on (secretGuard.ts). */
  readonly guarded: boolean;
  /** Before TRANSACTION: the phase in which credentials are sent. */
  readonly authorization: boolean;
}

/** Verbs after which the rest of the line (after a bare CR) may hold a credential. */
const LOGIN_VERBS: ReadonlySet<string> = new Set(['USER', 'PASS', 'APOP', 'AUTH']);
const SECRET_PREFIX = /^(PASS|APOP|AUTH)/;
/** RFC 4422 §3.1: a mechanism name is 1 to 20 upper-case letters, digits, hyphens and underscores. */
const MECHANISM_NAME = /^[A-Za-z0-9_-]{1,20}$/;

/** For secrecy every control byte separates words (a "\v" between AUTH's mechanism and blob hides nothing). */
const isSeparator = (b: number) => b <= 0x20 || b === 0x7f;
const isLetter = (b: number) => (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a;

/** The words of `content` from `from` on, as [start, end) pairs. */
function words(content: Uint8Array, from: number): [number, number][] {
  const out: [number, number][] = [];
  let i = from;
  while (i < content.length) {
    while (i < content.length && isSeparator(content[i]!)) i++;
    if (i >= content.length) break;
    const start = i;
    while (i < content.length && !isSeparator(content[i]!)) i++;
    out.push([start, i]);
  }
  return out;
}

/**
 * The first word for secrecy decisions, upper case: it starts at the first ASCII letter, whatever comes before
 * (controls, a UTF-8 BOM, telnet IAC sequences: "\0PASS x" and "\xEF\xBB\xBFPASS x" still hide x).
 */
export function secretVerb(content: Uint8Array): { verb: string; start: number; end: number } {
  let start = 0;
  while (start < content.length && !isLetter(content[start]!)) start++;
  let end = start;
  while (end < content.length && !isSeparator(content[end]!)) end++;
  const verb = Buffer.from(content.buffer, content.byteOffset + start, end - start)
    .toString('latin1')
    .toUpperCase();
  return { verb, start, end };
}

/**
 * Where the secret of a command line begins (-1: none): after PASS; the APOP digest (or APOP's only word);
 * AUTH's initial response (or its first word, when that cannot be a mechanism name); anything after USER's
 * name. Verbs that merely start like a secret-bearing one ("PASSWORD", "PASS\0x") are secret from their fifth
 * byte.
 */
export function secretStart(content: Uint8Array): number {
  const { verb, start, end } = secretVerb(content);
  const after = () => words(content, end);
  if (verb === 'PASS') return Math.min(end + 1, content.length);
  if (verb === 'APOP') {
    const w = after();
    return w.length >= 2 ? w[1]![0] : w.length === 1 ? w[0]![0] : -1;
  }
  if (verb === 'AUTH') {
    const w = after();
    if (w.length === 0) return -1;
    if (!MECHANISM_NAME.test(Buffer.from(content.subarray(w[0]![0], w[0]![1])).toString('latin1')))
      return w[0]![0];
    return w.length >= 2 ? w[1]![0] : -1;
  }
  if (verb === 'USER') {
    const w = after();
    return w.length >= 2 ? w[1]![0] : -1;
  }
  if (SECRET_PREFIX.test(verb)) return start + 4;
  return -1;
}

/**
 * Where to start masking a line too long to keep, judged from its kept prefix (-1: nothing). No real command
 * is that long, so only a known, non-secret verb after login is shown; before login, a known verb keeps only
 * itself; a prefix with a bare CR (a server may take it as a line end) is masked whole.
 */
export function overflowSecretStart(prefix: Uint8Array, ctx: LineContext): number {
  const start = secretStart(prefix);
  if (start >= 0) return start;
  if (ctx.guarded || prefix.includes(CR)) return 0;
  const { verb, end } = secretVerb(prefix);
  if (!lookupCommand(verb)) return 0;
  return ctx.authorization ? Math.min(end + 1, prefix.length) : -1;
}

/**
 * Masks the secrets of a complete command line in place. A bare CR ends a line for some servers, so each
 * CR-separated segment is judged as a line of its own, and a login verb in one makes the later ones guarded.
 */
export function maskCommand(content: Buffer, ctx: LineContext): void {
  let from = 0;
  let guarded = ctx.guarded;
  for (;;) {
    const cr = content.indexOf(CR, from);
    const segment = content.subarray(from, cr === -1 ? content.length : cr);
    if (LOGIN_VERBS.has(maskSegment(segment, { guarded, authorization: ctx.authorization }))) guarded = true;
    if (cr === -1) return;
    from = cr + 1;
  }
}

/** Masks one segment in place; returns its verb (as judged before masking). */
function maskSegment(content: Buffer, ctx: LineContext): string {
  const { verb, start, end: verbEnd } = secretVerb(content);
  const from = secretStart(content);
  if (verb === 'AUTH' && from >= 0) {
    const w = words(content, verbEnd);
    const [mechStart, mechEnd] = w[0]!;
    if (from === mechStart) {
      maskInPlace(content, from);
      return verb;
    }
    const [irStart, irEnd] = w[1]!;
    const mech = mechanism(content.subarray(mechStart, mechEnd).toString('latin1'));
    content.set(
      maskBase64Blob(content.subarray(irStart, irEnd), (d) =>
        mech.maskClient(d, { index: 0, challenge: '' }),
      ),
      irStart,
    );
    // Anything after the initial response is not defined by RFC 5034: hide it.
    maskInPlace(content, irEnd);
    return verb;
  }
  if (from >= 0) {
    maskInPlace(content, from);
    return verb;
  }
  if (start >= content.length || !(ctx.guarded || ctx.authorization)) return verb;
  const spec = lookupCommand(verb);
  // A bare line after a login step may be a credential; before login, an unknown line keeps its first word
  // (an IMAP "a1 LOGIN bob pw" sent to the POP3 port shows "a1" only).
  // The separator after the verb stays: masked, it would join the verb, and the masked line would be judged
  // differently on replay.
  if (!spec) maskInPlace(content, ctx.guarded ? start : verbEnd + 1);
  else if (checkArguments(spec, argsOf(content.subarray(verbEnd)))) maskInPlace(content, verbEnd + 1);
  return verb;
}

/** The arguments after a verb, split on single spaces as the command display splits them. */
function argsOf(rest: Buffer): string[] {
  if (rest.length === 0) return [];
  const out: string[] = [];
  let from = 1;
  for (let i = rest.indexOf(0x20, from); i !== -1; i = rest.indexOf(0x20, from)) {
    out.push(rest.subarray(from, i).toString('latin1'));
    from = i + 1;
  }
  out.push(rest.subarray(from).toString('latin1'));
  return out;
}
