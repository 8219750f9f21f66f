/**
 * The POP3 command table: for each verb, the phases it is valid in, its argument grammar, whether a +OK
 * answer carries a multi-line body, which argument is secret, and the RFC section. Behaviour lives here so
 * the engine, the annotator and the embedded server agree on one definition.
 */

export type Phase = 'AUTHORIZATION' | 'TRANSACTION' | 'UPDATE';

/** What one argument must look like. */
export type ArgKind =
  | 'msg' // a message number: 1 or more, decimal digits only (RFC 1939 §5)
  | 'count' // a non-negative decimal number (TOP's line count)
  | 'word' // any non-empty token (user name, mechanism, capability)
  | 'digest' // APOP: 32 hex digits
  | 'sasl'; // a base64 initial response, or "=" for an empty one (RFC 5034 §4)

/** Where the secret in a command line sits, so it can be masked before anything is shown or stored. */
export type SecretRule =
  | 'none'
  | 'rest' // everything after "VERB " (PASS: the password may contain spaces, RFC 1939 §7)
  | 'apop' // the second argument (the digest)
  | 'auth'; // the initial response of AUTH (the second argument), interpreted per mechanism

export interface CommandSpec {
  readonly verb: string;
  readonly phases: readonly Phase[];
  /** Required argument kinds, in order. */
  readonly required: readonly ArgKind[];
  /** Optional argument kinds that may follow the required ones. */
  readonly optional: readonly ArgKind[];
  /** Whether a +OK answer to this command, with these arguments, is followed by a multi-line body. */
  readonly multiline: (args: readonly string[]) => boolean;
  readonly secret: SecretRule;
  readonly rfc: string;
  /** Not in RFC 1939's main text (LAST, XTND): recognised, but annotated as legacy. */
  readonly legacy?: boolean;
  /** The body is a message (RETR, TOP): scanned and counted, never kept; other bodies are listings. */
  readonly messageBody?: boolean;
}

const never = () => false;
const always = () => true;
const withoutArgument = (args: readonly string[]) => args.length === 0;

const AUTH_ONLY: readonly Phase[] = ['AUTHORIZATION'];
const TRANS_ONLY: readonly Phase[] = ['TRANSACTION'];
const BOTH: readonly Phase[] = ['AUTHORIZATION', 'TRANSACTION'];

function spec(
  verb: string,
  phases: readonly Phase[],
  required: readonly ArgKind[],
  optional: readonly ArgKind[],
  multiline: (args: readonly string[]) => boolean,
  rfc: string,
  extra: Partial<Pick<CommandSpec, 'secret' | 'legacy' | 'messageBody'>> = {},
): CommandSpec {
  return { verb, phases, required, optional, multiline, rfc, ...extra, secret: extra.secret ?? 'none' };
}

export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map(
  [
    spec('USER', AUTH_ONLY, ['word'], [], never, 'RFC 1939 §7'),
    spec('PASS', AUTH_ONLY, [], [], never, 'RFC 1939 §7', { secret: 'rest' }),
    spec('APOP', AUTH_ONLY, ['word', 'digest'], [], never, 'RFC 1939 §7', { secret: 'apop' }),
    // Bare AUTH is not in RFC 5034, but Dovecot answers it with a mechanism list and Outlook relies on it.
    spec('AUTH', AUTH_ONLY, [], ['word', 'sasl'], withoutArgument, 'RFC 5034 §4', { secret: 'auth' }),
    spec('STLS', AUTH_ONLY, [], [], never, 'RFC 2595 §4'),
    spec('CAPA', BOTH, [], [], always, 'RFC 2449 §5'),
    spec('QUIT', ['AUTHORIZATION', 'TRANSACTION'], [], [], never, 'RFC 1939 §4, §6'),
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

const ARG_PATTERNS: Record<ArgKind, RegExp> = {
  msg: /^[1-9][0-9]*$/,
  count: /^[0-9]+$/,
  word: /^\S+$/,
  // The digest is masked before it is checked (see redact.ts), so only its length is verifiable here.
  digest: /^[0-9a-f*\xaa]{32}$/,
  sasl: /^(=|[A-Za-z0-9+/*\xaa]+=*)$/,
};

/** Checks a command's arguments against its grammar; returns why they are wrong, or null when they fit. */
export function checkArguments(command: CommandSpec, args: readonly string[]): string | null {
  if (command.secret === 'rest') return args.length === 0 ? `${command.verb} needs an argument` : null;
  const { required, optional } = command;
  if (args.length < required.length) {
    return `${command.verb} needs ${required.length} argument${required.length === 1 ? '' : 's'}, got ${args.length}`;
  }
  if (args.length > required.length + optional.length) {
    return `${command.verb} takes at most ${required.length + optional.length} argument(s), got ${args.length}`;
  }
  for (let i = 0; i < args.length; i++) {
    const kind = i < required.length ? required[i]! : optional[i - required.length]!;
    if (!ARG_PATTERNS[kind].test(args[i]!))
      return `argument ${i + 1} of ${command.verb} is not a valid ${kind}`;
  }
  return null;
}
