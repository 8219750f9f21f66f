/**
 * SASL mechanisms (RFC 5034 over POP3): for each, which part of each client response or server challenge is
 * secret, and how to show the rest. Masking works on the decoded bytes (see redact.ts); display works on the
 * masked bytes only, so nothing here ever sees a secret it could print.
 */
import { describeRedacted, isMasked, maskInPlace } from './redact.js';

/** Where we are in an exchange when a blob arrives. */
export interface SaslStep {
  /** 0 for the initial response or first client answer, then 1, 2, ... */
  readonly index: number;
  /** The decoded text of the challenge this client response answers, if any. */
  readonly challenge: string;
}

export interface Mechanism {
  /** Masks the secret parts of a decoded client response, in place. */
  maskClient(decoded: Buffer, step: SaslStep): void;
  /** Masks the secret parts of a decoded server challenge, in place. */
  maskServer(decoded: Buffer): void;
  /** Shows a masked, decoded client response. */
  showClient(decoded: Buffer, step: SaslStep): string;
  /** The user name a client response reveals, if any. */
  userOf?(decoded: Buffer, step: SaslStep): string | undefined;
  /** True when server challenges can hold secrets, so they are masked too. */
  readonly serverSecrets?: boolean;
  /** The security layer a (masked, decoded) client response asks for, if any: the stream is opaque after it. */
  securityLayer?(decoded: Buffer): string | undefined;
}

const NUL = 0;

function quoted(bytes: Buffer): string {
  return JSON.stringify(bytes.toString('utf8'));
}

/** Shows bytes as text, or as a redaction when they were masked. */
function showValue(bytes: Buffer): string {
  return isMasked(bytes) ? describeRedacted(bytes) : quoted(bytes);
}

/**
 * Masks the value of each `key=` field in a decoded message: a field starts the message or follows one of
 * `starts` or white space, may have white space around "=" (DIGEST-MD5 allows LWS, RFC 2831 §7.1), and ends
 * at `end`. Keys match in any case: a client that writes "Auth=" still sends its token.
 */
function maskFields(decoded: Buffer, keys: readonly string[], starts: string, end: string): void {
  const text = decoded.toString('latin1');
  for (const key of keys) {
    const field = new RegExp(`(?:^|[${starts}\\s])${key}\\s*=\\s*`, 'gi');
    for (const m of text.matchAll(field)) {
      const from = m.index + m[0].length;
      let to = text.indexOf(end, from);
      if (to === -1) to = text.length;
      maskInPlace(decoded, from, to);
    }
  }
}

const nothing = () => {};

const PLAIN: Mechanism = {
  // authzid NUL authcid NUL passwd (RFC 4616 §2): only the password is secret.
  maskClient(decoded) {
    const first = decoded.indexOf(NUL);
    const second = first === -1 ? -1 : decoded.indexOf(NUL, first + 1);
    if (second === -1) maskInPlace(decoded);
    else maskInPlace(decoded, second + 1);
  },
  maskServer: nothing,
  showClient(decoded) {
    const first = decoded.indexOf(NUL);
    const second = first === -1 ? -1 : decoded.indexOf(NUL, first + 1);
    if (second === -1) return `malformed PLAIN response ${describeRedacted(decoded)}`;
    return `authzid=${quoted(decoded.subarray(0, first))} authcid=${quoted(decoded.subarray(first + 1, second))} password=${describeRedacted(decoded.subarray(second + 1))}`;
  },
  userOf(decoded) {
    const first = decoded.indexOf(NUL);
    const second = first === -1 ? -1 : decoded.indexOf(NUL, first + 1);
    return second === -1 ? undefined : decoded.subarray(first + 1, second).toString('utf8');
  },
};

/** LOGIN asks "Username:" then "Password:"; anything after the user name is treated as secret. */
function loginWantsSecret(step: SaslStep): boolean {
  return step.index > 0 || /pass/i.test(step.challenge);
}

const LOGIN: Mechanism = {
  maskClient(decoded, step) {
    if (loginWantsSecret(step)) maskInPlace(decoded);
  },
  maskServer: nothing,
  showClient(decoded, step) {
    return loginWantsSecret(step)
      ? `password=${describeRedacted(decoded)}`
      : `username=${showValue(decoded)}`;
  },
  userOf(decoded, step) {
    return loginWantsSecret(step) ? undefined : decoded.toString('utf8');
  },
};

/** The space before the digest of a CRAM-MD5 response, trailing white space ignored (-1: none). */
function cramSpace(decoded: Buffer): number {
  let end = decoded.length;
  while (end > 0 && decoded[end - 1]! <= 0x20) end--;
  return end === 0 ? -1 : decoded.lastIndexOf(0x20, end - 1);
}

const CRAM_MD5: Mechanism = {
  // "user SP hex-digest" (RFC 2195 §2); the digest is crackable offline, so it is secret, and so is anything
  // after it.
  maskClient(decoded) {
    maskInPlace(decoded, cramSpace(decoded) + 1);
  },
  maskServer: nothing,
  showClient(decoded) {
    const space = cramSpace(decoded);
    if (space === -1) return `malformed CRAM-MD5 response ${describeRedacted(decoded)}`;
    return `user=${quoted(decoded.subarray(0, space))} digest=${describeRedacted(decoded.subarray(space + 1))}`;
  },
  userOf(decoded) {
    const space = cramSpace(decoded);
    return space === -1 ? undefined : decoded.subarray(0, space).toString('utf8');
  },
};

/** XOAUTH2 (`user=U^Aauth=Bearer T^A^A`) and OAUTHBEARER (RFC 7628: `n,a=U,^Aauth=Bearer T^A^A`). */
const OAUTH: Mechanism = {
  maskClient(decoded) {
    // Without an auth= field the response is nothing we can read: all of it may be the token.
    if (!/(?:^|[\x01,\s])auth\s*=/i.test(decoded.toString('latin1'))) maskInPlace(decoded);
    else maskFields(decoded, ['auth'], '\x01,', '\x01');
  },
  maskServer: nothing,
  showClient(decoded) {
    const text = decoded.toString('utf8');
    const user = /(?:^|\x01)user=([^\x01]*)/.exec(text)?.[1] ?? /(?:^|,)a=([^,]*)/.exec(text)?.[1];
    const auth = decoded.toString('latin1').toLowerCase().indexOf('auth=');
    let token = '';
    if (auth !== -1) {
      let end = decoded.indexOf(0x01, auth);
      if (end === -1) end = decoded.length;
      token = ` token=${describeRedacted(decoded.subarray(auth + 5, end))}`;
    }
    if (user === undefined && auth === -1) return `response ${showValue(decoded)}`;
    return `user=${JSON.stringify(user ?? '')}${token}`;
  },
  userOf(decoded) {
    const text = decoded.toString('utf8');
    return /(?:^|\x01)user=([^\x01]*)/.exec(text)?.[1] ?? /(?:^|,)a=([^,]*)/.exec(text)?.[1];
  },
};

/**
 * The mechanisms whose messages are comma-separated key=value fields with one secret field each way (SCRAM's
 * proof and signature, DIGEST-MD5's response and rspauth): server messages are masked too.
 */
function secretFields(
  client: string,
  server: string,
): Pick<Mechanism, 'serverSecrets' | 'maskClient' | 'maskServer' | 'showClient'> {
  const shown = new RegExp(`(^|,)${client}=[^,]*`, 'gi');
  return {
    serverSecrets: true,
    maskClient(decoded) {
      maskFields(decoded, [client], ',', ',');
    },
    maskServer(decoded) {
      maskFields(decoded, [server], ',', ',');
    },
    showClient(decoded) {
      return decoded.toString('utf8').replace(shown, (_m, pre) => `${pre}${client}=<redacted>`);
    },
  };
}

/**
 * SCRAM-* (RFC 5802): the client proof p= and the server signature v= are secret. The user is the n= of the
 * client-first message (after the GS2 header, whose a= is an authorization identity), with "=2C" and "=3D"
 * decoded (§5.1).
 */
const SCRAM: Mechanism = {
  ...secretFields('p', 'v'),
  userOf(decoded, step) {
    if (step.index !== 0) return undefined;
    const name = /^[nyp][^,]*,[^,]*,n=([^,]*)/.exec(decoded.toString('utf8'))?.[1];
    return name?.replace(/=2C/gi, ',').replace(/=3D/gi, '=');
  },
};

/** DIGEST-MD5 (RFC 2831): response= from the client and rspauth= from the server are secret. */
const DIGEST_MD5: Mechanism = {
  ...secretFields('response', 'rspauth'),
  userOf(decoded) {
    const m = /(?:^|,)\s*username\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,]*))/i.exec(decoded.toString('utf8'));
    if (!m) return undefined;
    return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!.trim();
  },
  securityLayer(decoded) {
    // RFC 2831 §2.1.2: qop "auth-int" and "auth-conf" wrap everything after the exchange in a security layer.
    const qop = /(?:^|,)\s*qop\s*=\s*"?([a-z-]+)/i.exec(decoded.toString('latin1'))?.[1]?.toLowerCase();
    return qop === 'auth-int' || qop === 'auth-conf' ? qop : undefined;
  },
};

const PUBLIC: Mechanism = {
  maskClient: nothing,
  maskServer: nothing,
  showClient: (decoded) => `response ${quoted(decoded)}`,
};

/** Everything we do not know (NTLM, GSSAPI, vendor mechanisms): every blob both ways is secret. */
const OPAQUE: Mechanism = {
  serverSecrets: true,
  maskClient: (decoded) => maskInPlace(decoded),
  maskServer: (decoded) => maskInPlace(decoded),
  showClient: (decoded) => `response ${describeRedacted(decoded)}`,
};

const MECHANISMS: Record<string, Mechanism> = {
  PLAIN,
  LOGIN,
  'CRAM-MD5': CRAM_MD5,
  XOAUTH2: OAUTH,
  OAUTHBEARER: OAUTH,
  'SCRAM-SHA-1': SCRAM,
  'SCRAM-SHA-1-PLUS': SCRAM,
  'SCRAM-SHA-256': SCRAM,
  'SCRAM-SHA-256-PLUS': SCRAM,
  'DIGEST-MD5': DIGEST_MD5,
  EXTERNAL: PUBLIC,
  ANONYMOUS: PUBLIC,
};

/** The rules for a mechanism name; unknown mechanisms get the all-secret rules. */
export function mechanism(name: string): Mechanism {
  return MECHANISMS[name.toUpperCase()] ?? OPAQUE;
}

/** Whether pop3scope knows which parts of this mechanism's blobs are secret. */
export function isKnownMechanism(name: string): boolean {
  return name.toUpperCase() in MECHANISMS;
}
