/**
 * Credentials for client replay. A capture holds no secret (they were masked before it was written), so the
 * lines that carried one are rebuilt from the user and password given to the replay: PASS, APOP (its digest
 * over the NEW greeting's timestamp), and the client answers of AUTH PLAIN, LOGIN and CRAM-MD5 (the latter over
 * the NEW challenge). Everything else is sent exactly as recorded. Pure: no I/O.
 */
import { createHash, createHmac } from 'node:crypto';
import { decodeBase64, isMasked } from '../protocol/redact.js';
import { content, tokens } from './matcher.js';
import type { RecordedSession, ScriptStep } from './script.js';

export interface Credentials {
  /** Replaces the recorded user name everywhere (USER, APOP, SASL); default: the recorded one. */
  readonly user?: string;
  readonly password?: string;
}

/** Mechanisms whose secret answers replay can rebuild. */
const REBUILT = new Set(['PLAIN', 'LOGIN', 'CRAM-MD5']);

/** A line could not be rebuilt (no APOP timestamp in the new greeting, ...). */
export class CredentialError extends Error {}

export interface Needs {
  /** Some line needs the password. */
  readonly password: boolean;
  /** The recorded user name, when the recording shows one. */
  readonly user: string | null;
  /** Why the session cannot be replayed at all (secrets replay cannot rebuild). */
  readonly problems: readonly string[];
}

const b64 = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64');
const hasMask = (bytes: Buffer) => bytes.includes(0x2a) || bytes.includes(0xaa);

/** The decoded form of a recorded base64 blob (masked parts stay masked), or null. */
function decoded(blob: Buffer): Buffer | null {
  return decodeBase64(blob.toString('latin1'));
}

/** What a session needs before it can be replayed: checked before connecting. */
export function needs(session: RecordedSession): Needs {
  let password = false;
  let user: string | null = null;
  const problems: string[] = [];
  for (const step of session.steps) {
    const { verb, args } = tokens(content(step.line));
    if (verb === 'USER' && args[0]) user ??= args[0].toString('utf8');
    if (verb === 'PASS' && args[0] && isMasked(args[0])) password = true;
    if (verb === 'APOP') {
      user ??= args[0]?.toString('utf8') ?? null;
      if (args[1] && isMasked(args[1])) password = true;
    }
    const sasl = step.tx.sasl;
    if (verb !== 'AUTH' || !sasl) continue;
    user ??= sasl.user ?? null;
    const blobs = [...(args[1] ? [args[1]] : []), ...step.saslLines.map((l) => content(l))];
    const secret = blobs.some(
      (b) => b.toString('latin1') !== '*' && (decoded(b) === null ? isMasked(b) : hasMask(decoded(b)!)),
    );
    if (!secret) continue;
    if (REBUILT.has(sasl.mechanism)) password = true;
    else
      problems.push(
        `AUTH ${sasl.mechanism} cannot be replayed: its secrets were redacted, and pop3scope rebuilds only PLAIN, LOGIN and CRAM-MD5 answers`,
      );
  }
  return { password, user, problems };
}

/** Keeps the recorded line ending (CRLF, or a bare LF a buggy client sent). */
function withEnding(recorded: Buffer, text: string): Buffer {
  const ending = recorded.subarray(content(recorded).length);
  return Buffer.concat([Buffer.from(text, 'utf8'), ending]);
}

/** The user for a step: the one given, else the one recorded. */
function userFor(creds: Credentials, recorded: string | undefined): string {
  const user = creds.user ?? recorded;
  if (user === undefined) throw new CredentialError('the recording shows no user name: give one with --user');
  return user;
}

function password(creds: Credentials): string {
  if (creds.password === undefined)
    throw new CredentialError('a password is needed (--password-env VAR, or a prompt on a terminal)');
  return creds.password;
}

/** The APOP timestamp of a greeting text: `<...>` (RFC 1939 §7). */
export function apopTimestamp(greeting: string): string | null {
  return /<[^<>]*>/.exec(greeting)?.[0] ?? null;
}

/** The command line to send for a recorded step, credentials rebuilt. `greeting`: the NEW greeting's text. */
export function commandLine(step: ScriptStep, creds: Credentials, greeting: string): Buffer {
  const { verb, args } = tokens(content(step.line));
  const recordedUser = args[0]?.toString('utf8');
  // The verb as the recorded client spelled it ("user", "Pass"): servers have been picky about case.
  const spelled = content(step.line).toString('latin1').split(' ')[0]!;
  if (verb === 'USER' && creds.user !== undefined) return withEnding(step.line, `${spelled} ${creds.user}`);
  if (verb === 'PASS' && args[0] && isMasked(args[0]))
    return withEnding(step.line, `${spelled} ${password(creds)}`);
  if (verb === 'APOP' && args[1] && isMasked(args[1])) {
    const timestamp = apopTimestamp(greeting);
    if (!timestamp) throw new CredentialError("cannot replay APOP: the server's greeting has no <timestamp>");
    const digest = createHash('md5')
      .update(timestamp + password(creds), 'utf8')
      .digest('hex');
    return withEnding(step.line, `${spelled} ${userFor(creds, recordedUser)} ${digest}`);
  }
  if (verb === 'AUTH' && args.length === 2 && step.tx.sasl) {
    const ir = initialResponse(step, args[1]!, creds);
    if (ir) return withEnding(step.line, `${spelled} ${args[0]!.toString('latin1')} ${ir}`);
  }
  return step.line;
}

/** A rebuilt AUTH initial response, or null to send the recorded one (it held no secret). */
function initialResponse(step: ScriptStep, blob: Buffer, creds: Credentials): string | null {
  const mech = step.tx.sasl!.mechanism;
  const d = decoded(blob);
  if (blob.toString('latin1') === '=' || (d && !hasMask(d) && creds.user === undefined)) return null;
  if (mech === 'PLAIN') return plain(d, step, creds);
  if (mech === 'LOGIN') return b64(userFor(creds, step.tx.sasl!.user));
  return null;
}

/** PLAIN: authzid NUL authcid NUL passwd (RFC 4616 §2); the recorded authzid is kept. */
function plain(recorded: Buffer | null, step: ScriptStep, creds: Credentials): string {
  const nul = recorded ? recorded.indexOf(0) : -1;
  const authzid = nul > 0 ? recorded!.subarray(0, nul).toString('utf8') : '';
  return b64(`${authzid}\0${userFor(creds, step.tx.sasl!.user)}\0${password(creds)}`);
}

/**
 * The client's answer to the `index`-th challenge of an AUTH exchange. `challenge`: its decoded payload.
 * A recorded cancel ("*") and answers that held no secret are sent as recorded.
 */
export function saslAnswer(step: ScriptStep, index: number, challenge: Buffer, creds: Credentials): Buffer {
  const recorded = step.saslLines[index];
  const crlf = recorded ? recorded.subarray(content(recorded).length) : Buffer.from('\r\n');
  const ending = crlf.length ? crlf : Buffer.from('\r\n');
  const line = (text: string) => Buffer.concat([Buffer.from(text, 'latin1'), ending]);
  const recordedText = recorded ? content(recorded).toString('latin1') : null;
  if (recordedText === '*') return line('*');
  const mech = step.tx.sasl!.mechanism;
  const user = () => userFor(creds, step.tx.sasl!.user);
  if (mech === 'PLAIN') return line(plain(recorded ? decoded(content(recorded)) : null, step, creds));
  if (mech === 'LOGIN') {
    // LOGIN asks "Username:" then "Password:"; a server that says neither gets them in that order.
    const wantsPassword =
      /pass/i.test(challenge.toString('latin1')) ||
      (!/user/i.test(challenge.toString('latin1')) && index > 0);
    return line(b64(wantsPassword ? password(creds) : user()));
  }
  if (mech === 'CRAM-MD5') {
    const digest = createHmac('md5', password(creds)).update(challenge).digest('hex');
    return line(b64(`${user()} ${digest}`));
  }
  // Mechanisms that hold no secret (ANONYMOUS, EXTERNAL): as recorded; past the recording, a cancel.
  return recorded ?? line('*');
}
