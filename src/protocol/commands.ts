/**
 * The POP3 command table: everything that affects the state machine, in one place. For each verb: the phases
 * it is valid in, its argument grammar, whether a +OK answer carries a multi-line body, the phase an answer
 * leads to, what must come just before it, which argument is secret, and the RFC section. The engine
 * (protocol/session.ts), the embedded server (server/session.ts), the explanations and the mailbox model all
 * read it, so changing a verb's rules means editing its row. (The model is h11's `_state.py`.)
 */
import { counted } from '../words.js';
import type { ViolationCode } from './violations.js';

/** RFC 1939 §3: the states of a POP3 session. */
export type Phase = 'AUTHORIZATION' | 'TRANSACTION' | 'UPDATE';

/** The phases in the order a session goes through them. */
export const PHASES: readonly Phase[] = ['AUTHORIZATION', 'TRANSACTION', 'UPDATE'];

/** What one argument must look like. */
export type ArgKind =
  | 'msg' // a message number: 1 or more, decimal digits only (RFC 1939 §5)
  | 'count' // a non-negative decimal number (TOP's line count)
  | 'word' // any non-empty token (user name, mechanism, capability)
  | 'digest' // APOP: 32 hex digits
  | 'sasl' // a base64 initial response, or "=" for an empty one (RFC 5034 §4)
  | 'text'; // the rest of the line, spaces included (PASS: the password may contain spaces, RFC 1939 §7)

/** Where the secret in a command line sits, so it can be masked before anything is shown or stored. */
export type SecretRule =
  | 'none'
  | 'rest' // everything after "VERB " (PASS)
  | 'apop' // the second argument (the digest)
  | 'auth'; // the initial response of AUTH (the second argument), interpreted per mechanism

/** A phase change caused by a command's answer (RFC 1939 §3). */
export interface Transition {
  readonly from: Phase;
  readonly to: Phase;
  /** '+OK': only a positive answer moves the session; 'answer': any answer does (QUIT enters UPDATE, then fails). */
  readonly on: '+OK' | 'answer';
  /** Only some argument shapes move it (AUTH with a mechanism, not the bare AUTH that lists them). */
  readonly when?: (args: readonly string[]) => boolean;
  /** Why the phase changed, said after the verb ("PASS succeeded: ..."). */
  readonly reason: string;
}

/** A command that is only valid directly after another one accepted with +OK (PASS after USER). */
export interface Precondition {
  readonly verb: string;
  /** What the engine reports when the precondition does not hold. */
  readonly violation: ViolationCode;
}

export interface CommandSpec {
  readonly verb: string;
  readonly phases: readonly Phase[];
  /** Required argument kinds, in order. */
  readonly required: readonly ArgKind[];
  /** Optional argument kinds that may follow the required ones. */
  readonly optional: readonly ArgKind[];
  /** Whether a +OK answer to this command, with these arguments, is followed by a multi-line body. */
  readonly multiline: (args: readonly string[]) => boolean;
  /** The phase changes an answer to this command causes; none: the phase stays. */
  readonly leads: readonly Transition[];
  /** The command that must directly precede this one, accepted. */
  readonly after?: Precondition;
  /** The session ends with the answer to this command (QUIT, RFC 1939 §4 and §6). */
  readonly ends?: boolean;
  readonly secret: SecretRule;
  readonly rfc: string;
  /** Not in RFC 1939's main text (LAST, XTND): recognised, but annotated as legacy. */
  readonly legacy?: boolean;
  /** The body is a message (RETR, TOP): scanned and counted, never kept; other bodies are listings. */
  readonly messageBody?: boolean;
}

/** The phase a session is in once the server greeted it with +OK (RFC 1939 §4), and why. */
export const GREETING: { readonly to: Phase; readonly reason: string } = {
  to: 'AUTHORIZATION',
  reason: 'the server greeted the client',
};

const never = () => false;
const always = () => true;
const withoutArgument = (args: readonly string[]) => args.length === 0;
const withArgument = (args: readonly string[]) => args.length > 0;

const AUTH_ONLY: readonly Phase[] = ['AUTHORIZATION'];
const TRANS_ONLY: readonly Phase[] = ['TRANSACTION'];
const BOTH: readonly Phase[] = ['AUTHORIZATION', 'TRANSACTION'];

/** RFC 1939 §4, §7: a login accepted with +OK locks the maildrop and enters TRANSACTION. */
const LOGIN: Transition = {
  from: 'AUTHORIZATION',
  to: 'TRANSACTION',
  on: '+OK',
  reason: 'succeeded: the maildrop is locked and its messages numbered',
};

/** RFC 1939 §6: QUIT from TRANSACTION enters UPDATE whatever the answer (-ERR: not every mark was removed). */
const QUIT_UPDATE: Transition = {
  from: 'TRANSACTION',
  to: 'UPDATE',
  on: 'answer',
  reason: 'from TRANSACTION: messages marked for deletion, if any, are removed now',
};

function spec(
  verb: string,
  phases: readonly Phase[],
  required: readonly ArgKind[],
  optional: readonly ArgKind[],
  multiline: (args: readonly string[]) => boolean,
  rfc: string,
  extra: Partial<Pick<CommandSpec, 'secret' | 'legacy' | 'messageBody' | 'leads' | 'after' | 'ends'>> = {},
): CommandSpec {
  return {
    verb,
    phases,
    required,
    optional,
    multiline,
    rfc,
    ...extra,
    leads: extra.leads ?? [],
    secret: extra.secret ?? 'none',
  };
}

export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map(
  [
    spec('USER', AUTH_ONLY, ['word'], [], never, 'RFC 1939 §7'),
    spec('PASS', AUTH_ONLY, ['text'], [], never, 'RFC 1939 §7', {
      secret: 'rest',
      leads: [LOGIN],
      after: { verb: 'USER', violation: 'POP3_PASS_WITHOUT_USER' },
    }),
    spec('APOP', AUTH_ONLY, ['word', 'digest'], [], never, 'RFC 1939 §7', { secret: 'apop', leads: [LOGIN] }),
    // Bare AUTH is not in RFC 5034, but Dovecot answers it with a mechanism list and Outlook relies on it.
    spec('AUTH', AUTH_ONLY, [], ['word', 'sasl'], withoutArgument, 'RFC 5034 §4', {
      secret: 'auth',
      leads: [{ ...LOGIN, when: withArgument }],
    }),
    spec('STLS', AUTH_ONLY, [], [], never, 'RFC 2595 §4'),
    spec('CAPA', BOTH, [], [], always, 'RFC 2449 §5'),
    spec('QUIT', BOTH, [], [], never, 'RFC 1939 §4, §6', { leads: [QUIT_UPDATE], ends: true }),
    spec('STAT', TRANS_ONLY, [], [], never, 'RFC 1939 §5'),
    spec('LIST', TRANS_ONLY, [], ['msg'], withoutArgument, 'RFC 1939 §5'),
    spec('RETR', TRANS_ONLY, ['msg'], [], always, 'RFC 1939 §5', { messageBody: true }),
    spec('DELE', TRANS_ONLY, ['msg'], [], never, 'RFC 1939 §5'),
    spec('NOOP', TRANS_ONLY, [], [], never, 'RFC 1939 §5'),
    spec('RSET', TRANS_ONLY, [], [], never, 'RFC 1939 §5'),
    spec('TOP', TRANS_ONLY, ['msg', 'count'], [], always, 'RFC 1939 §7', { messageBody: true }),
    spec('UIDL', TRANS_ONLY, [], ['msg'], withoutArgument, 'RFC 1939 §7'),
    spec('UTF8', AUTH_ONLY, [], [], never, 'RFC 6856 §2'),
    spec('LANG', BOTH, [], ['word'], withoutArgument, 'RFC 6856 §3'),
    spec('LAST', TRANS_ONLY, [], [], never, 'RFC 1460 §5', { legacy: true }),
    spec(
      'XTND',
      TRANS_ONLY,
      ['word'],
      ['word', 'word'],
      (args) => args[0]?.toUpperCase() === 'XLST',
      'RFC 1939 App. A',
      { legacy: true },
    ),
  ].map((s) => [s.verb, s]),
);

/** Looks up a verb case-insensitively (RFC 1939 §3: keywords are case-insensitive). */
export function lookupCommand(verb: string): CommandSpec | undefined {
  return COMMANDS.get(verb.toUpperCase());
}

/** The phase change an answer to `command`, sent in phase `from` with these arguments, may cause. */
export function transitionOf(
  command: CommandSpec,
  from: Phase,
  args: readonly string[],
): Transition | undefined {
  return command.leads.find((t) => t.from === from && (t.when?.(args) ?? true));
}

/** True when the command's last argument is the rest of the line, spaces included (PASS). */
export function takesRestOfLine(command: CommandSpec): boolean {
  return command.required[command.required.length - 1] === 'text';
}

/** How many arguments a command takes; a command that takes the rest of the line takes it as one. */
export function arity(command: CommandSpec): { readonly min: number; readonly max: number } {
  return { min: command.required.length, max: command.required.length + command.optional.length };
}

const ARG_PATTERNS: Record<ArgKind, RegExp> = {
  msg: /^[1-9][0-9]*$/,
  count: /^[0-9]+$/,
  word: /^\S+$/,
  // The digest is masked before it is checked (see redact.ts), so only its length is verifiable here.
  digest: /^[0-9a-f*\xaa]{32}$/,
  sasl: /^(=|[A-Za-z0-9+/*\xaa]+=*)$/,
  text: /^[\s\S]*$/, // never tested: a rest-of-line command is checked for presence only
};

/** Checks a command's arguments against its grammar; returns why they are wrong, or null when they fit. */
export function checkArguments(command: CommandSpec, args: readonly string[]): string | null {
  if (takesRestOfLine(command)) return args.length === 0 ? `${command.verb} needs an argument` : null;
  const { required, optional } = command;
  const { min, max } = arity(command);
  if (args.length < min) {
    return `${command.verb} needs ${counted(min, 'argument')}, got ${args.length}`;
  }
  if (args.length > max) {
    return `${command.verb} takes at most ${counted(max, 'argument')}, got ${args.length}`;
  }
  for (let i = 0; i < args.length; i++) {
    const kind = i < required.length ? required[i]! : optional[i - required.length]!;
    if (!ARG_PATTERNS[kind].test(args[i]!))
      return `argument ${i + 1} of ${command.verb} is not a valid ${kind}`;
  }
  return null;
}
