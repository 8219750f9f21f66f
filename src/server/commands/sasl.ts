/**
 * The SASL mechanisms the server offers (RFC 5034 over POP3), as a table. Each exchange turns decoded client
 * responses into either the next challenge or the credentials to check; checking them against the store is
 * the AUTH handler's job, so no mechanism ever sees a stored password it could leak.
 */
import { createHmac } from 'node:crypto';
import { decodeBase64 } from '../../protocol/redact.js';
import { sameSecret } from '../store.js';

export type SaslStep =
  | { readonly kind: 'challenge'; readonly data: Buffer }
  | { readonly kind: 'credentials'; readonly user: string; readonly verify: (password: string) => boolean }
  | { readonly kind: 'malformed'; readonly why: string };

export interface SaslExchange {
  /** The next step, given the decoded client response; `undefined` when AUTH carried no initial response. */
  next(response: Buffer | undefined): SaslStep;
}

interface MechanismDef {
  /** Server-first mechanisms must reject an initial response (RFC 5034 §4). */
  readonly serverFirst: boolean;
  readonly create: (newChallenge: () => string) => SaslExchange;
}

const NUL = 0;
const challengeOf = (text: string): SaslStep => ({ kind: 'challenge', data: Buffer.from(text, 'utf8') });

/** RFC 4616: authzid NUL authcid NUL passwd; an empty challenge when the client sent no initial response. */
function plain(): SaslExchange {
  return {
    next(response) {
      if (response === undefined) return challengeOf('');
      const first = response.indexOf(NUL);
      const second = first === -1 ? -1 : response.indexOf(NUL, first + 1);
      if (second === -1)
        return { kind: 'malformed', why: 'PLAIN response is not authzid NUL authcid NUL passwd' };
      const authzid = response.toString('utf8', 0, first);
      const user = response.toString('utf8', first + 1, second);
      const given = response.toString('utf8', second + 1);
      // Acting as another user is not supported; only an empty authzid or one equal to authcid is.
      if (authzid !== '' && authzid !== user)
        return { kind: 'malformed', why: 'authzid differs from authcid' };
      return { kind: 'credentials', user, verify: (password) => sameSecret(given, password) };
    },
  };
}

/** The LOGIN mechanism (draft-murchison-sasl-login): user name, then password, each after a prompt. */
function login(): SaslExchange {
  let user: string | undefined;
  return {
    next(response) {
      if (response === undefined) return challengeOf('Username:');
      if (user === undefined) {
        user = response.toString('utf8');
        return challengeOf('Password:');
      }
      const given = response.toString('utf8');
      const name = user;
      return { kind: 'credentials', user: name, verify: (password) => sameSecret(given, password) };
    },
  };
}

/** RFC 2195: the client answers the challenge with "user SP hex(HMAC-MD5(password, challenge))". */
function cramMd5(newChallenge: () => string): SaslExchange {
  let sent: string | undefined;
  return {
    next(response) {
      if (sent === undefined) {
        sent = newChallenge();
        return challengeOf(sent);
      }
      const text = (response ?? Buffer.alloc(0)).toString('utf8');
      const space = text.lastIndexOf(' ');
      const digest = text.slice(space + 1).toLowerCase();
      if (space <= 0 || !/^[0-9a-f]{32}$/.test(digest)) {
        return { kind: 'malformed', why: 'CRAM-MD5 response is not user SP 32 hex digits' };
      }
      const challenge = sent;
      return {
        kind: 'credentials',
        user: text.slice(0, space),
        verify: (password) => sameSecret(createHmac('md5', password).update(challenge).digest('hex'), digest),
      };
    },
  };
}

/** The mechanisms offered, in the order CAPA's SASL line and a bare AUTH list them. */
export const MECHANISMS: ReadonlyMap<string, MechanismDef> = new Map([
  ['PLAIN', { serverFirst: false, create: plain }],
  ['LOGIN', { serverFirst: false, create: login }],
  ['CRAM-MD5', { serverFirst: true, create: cramMd5 }],
]);

/**
 * Strict base64 with padding (RFC 5034 §4); null when invalid. An empty response is `=` as an initial
 * response and an empty line after a challenge; either spelling is accepted in either place.
 */
export function decodeSasl(text: string): Buffer | null {
  if (text === '=') return Buffer.alloc(0);
  return decodeBase64(text);
}
