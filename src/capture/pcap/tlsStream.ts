/**
 * One TLS connection seen from the side (sans-IO): both directions' bytes in, what can be known out. Without
 * keys that is the handshake's facts (SNI, version, cipher suite) and plaintext alerts; with a key log that
 * has this connection's secrets, the application data of TLS 1.2 (AEAD suites) and TLS 1.3, in order per
 * direction. Anything that stops decryption (no keys, an unsupported suite, a record failing authentication,
 * lost framing) is said once, as `opaque`, and never throws: the rest of the capture goes on.
 */
import type { KeyLog, TlsSecrets } from './keylog.js';
import { TLS_PENDING_MAX_BYTES } from './limits.js';
import { type Tls12Keys, tls12Keys } from './tls12.js';
import { type OpenedRecord, Tls13Cipher } from './tls13.js';
import {
  alertLevel,
  alertName,
  type ClientHello,
  HandshakeFramer,
  type HandshakeMessage,
  HS_CLIENT_HELLO,
  HS_FINISHED,
  HS_KEY_UPDATE,
  HS_SERVER_HELLO,
  parseClientHello,
  parseServerHello,
  type ServerHello,
} from './tlsHandshake.js';
import {
  CONTENT_ALERT,
  CONTENT_APPLICATION_DATA,
  CONTENT_CHANGE_CIPHER_SPEC,
  CONTENT_HANDSHAKE,
  CONTENT_HEARTBEAT,
  RecordFramer,
  type TlsRecord,
} from './tlsRecords.js';
import { type SuiteInfo, suiteInfo, versionName } from './tlsSuites.js';
import type { StreamDir } from './types.js';

export type TlsOutput =
  /** Once, when the ServerHello is seen: what the handshake shows without keys. */
  | {
      readonly type: 'facts';
      readonly sni: string | null;
      /** Node's getProtocol() spelling: "TLSv1.2", "TLSv1.3". */
      readonly version: string | null;
      /** OpenSSL's name (Node's getCipher().name), or the IANA hex "0x1301" for a suite pop3scope does not know. */
      readonly cipher: string | null;
    }
  /** The key log has this connection's keys: application data that follows is decrypted. */
  | { readonly type: 'decrypting' }
  /**
   * Why nothing (more) is decrypted. Without `dir`: the whole connection, said at most once, and nothing is
   * decrypted after it. With `dir`: only that direction's records were lost (a gap or malformed framing),
   * said at most once per direction; the other direction goes on.
   */
  | { readonly type: 'opaque'; readonly why: string; readonly dir?: StreamDir }
  /** Decrypted application data, in order. */
  | { readonly type: 'plaintext'; readonly dir: StreamDir; readonly bytes: Uint8Array }
  | { readonly type: 'close_notify'; readonly dir: StreamDir }
  /** A readable alert other than close_notify. */
  | {
      readonly type: 'alert';
      readonly dir: StreamDir;
      /** "warning", "fatal" (or "level N"). */
      readonly level: string;
      /** The RFC name, e.g. "handshake_failure" (or "alert N"). */
      readonly description: string;
      readonly code: number;
    };

interface RecordCipher {
  open(record: TlsRecord): OpenedRecord | null;
}

interface Side {
  readonly framer: RecordFramer;
  readonly hs: HandshakeFramer;
  /** Record framing is lost (a gap or malformed bytes): nothing more of this direction is read. */
  dead: boolean;
  /** TLS 1.2: a ChangeCipherSpec was seen, every later record is protected. */
  changedCipher: boolean;
  cipher: RecordCipher | null;
  /** TLS 1.3: the application traffic cipher, installed when this side's Finished is seen. */
  appCipher: Tls13Cipher | null;
  /** A record of this side has been opened (to tell 0-RTT data from a wrong key). */
  opened: boolean;
  /** Client records that came before the ServerHello, held until the keys are known. */
  pending: TlsRecord[];
  pendingBytes: number;
}

const WHO: Readonly<Record<StreamDir, string>> = { c2s: "client's", s2c: "server's" };
const TLS12 = 0x0303;
const TLS13 = 0x0304;

function side(): Side {
  return {
    framer: new RecordFramer(),
    hs: new HandshakeFramer(),
    dead: false,
    changedCipher: false,
    cipher: null,
    appCipher: null,
    opened: false,
    pending: [],
    pendingBytes: 0,
  };
}

export class TlsConnection {
  private readonly sides: Record<StreamDir, Side> = { c2s: side(), s2c: side() };
  private clientHello: ClientHello | null = null;
  private serverHello: ServerHello | null = null;
  private keys12: Tls12Keys | null = null;
  private decrypting = false;
  private opaqueSaid = false;
  private sawBytes = false;

  constructor(private readonly keylog: KeyLog | null) {}

  /** Feeds bytes of one direction (split anywhere). */
  push(dir: StreamDir, bytes: Uint8Array): TlsOutput[] {
    const out: TlsOutput[] = [];
    const s = this.sides[dir];
    if (s.dead || bytes.length === 0) return out;
    this.sawBytes = true;
    const { records, malformed } = s.framer.push(bytes);
    for (const r of records) this.record(dir, r, out);
    if (malformed) this.lose(dir, `malformed TLS in the ${WHO[dir]} stream: ${malformed}`, out);
    return out;
  }

  /** `octets` of a direction were not captured: its record framing is lost, so it is no longer read. */
  gap(dir: StreamDir, octets: number): TlsOutput[] {
    const out: TlsOutput[] = [];
    if (this.sides[dir].dead) return out;
    this.lose(
      dir,
      `${octets} octets of the ${WHO[dir]} TLS stream were not captured: its records can no longer be read`,
      out,
    );
    return out;
  }

  /** The capture ends: says why nothing was decrypted when the handshake never completed. */
  end(): TlsOutput[] {
    const out: TlsOutput[] = [];
    if (this.sawBytes && !this.decrypting && !this.serverHello)
      this.opaque(out, 'the TLS handshake is not complete in the capture (no ServerHello)');
    return out;
  }

  private lose(dir: StreamDir, why: string, out: TlsOutput[]): void {
    const s = this.sides[dir];
    s.dead = true;
    s.cipher = null;
    s.pending = [];
    if (!this.opaqueSaid) out.push({ type: 'opaque', why, dir });
  }

  /** Stops all decryption, saying why (once per connection). */
  private opaque(out: TlsOutput[], why: string): void {
    this.decrypting = false;
    for (const s of Object.values(this.sides)) {
      s.cipher = null;
      s.appCipher = null;
      s.pending = [];
    }
    if (this.opaqueSaid) return;
    this.opaqueSaid = true;
    out.push({ type: 'opaque', why });
  }

  private record(dir: StreamDir, r: TlsRecord, out: TlsOutput[]): void {
    const s = this.sides[dir];
    const sh = this.serverHello;
    if (dir === 'c2s' && !sh && s.pending.length > 0) {
      this.hold(r, out);
      return;
    }
    if (r.type === CONTENT_HEARTBEAT) return;
    if (r.type === CONTENT_CHANGE_CIPHER_SPEC) {
      // Before the ServerHello (after a HelloRetryRequest) and in TLS 1.3 it is middlebox compatibility only.
      if (!sh || sh.version === TLS13) return;
      if (s.changedCipher) {
        if (this.decrypting) this.opaque(out, 'TLS renegotiation is not decrypted by pop3scope');
        return;
      }
      s.changedCipher = true;
      if (this.decrypting && this.keys12) s.cipher = dir === 'c2s' ? this.keys12.client : this.keys12.server;
      return;
    }
    const prot = s.changedCipher || (r.type === CONTENT_APPLICATION_DATA && sh?.version !== TLS12);
    if (!prot) {
      if (r.type === CONTENT_HANDSHAKE) this.handshake(dir, r.fragment, out);
      else if (r.type === CONTENT_ALERT) this.alerts(dir, r.fragment, out);
      return;
    }
    if (!sh) {
      if (dir === 'c2s' && this.clientHello) {
        this.hold(r, out);
        return;
      }
      this.opaque(out, 'the TLS handshake was not captured (the capture starts inside the TLS session)');
      return;
    }
    if (!s.cipher) return;
    const opened = s.cipher.open(r);
    if (!opened) {
      if (dir === 'c2s' && !s.opened && this.clientHello?.earlyData) {
        this.opaque(out, 'the client sent 0-RTT early data, which pop3scope does not decrypt');
        return;
      }
      this.opaque(
        out,
        `a TLS record from the ${dir === 'c2s' ? 'client' : 'server'} failed authentication: the key log's secrets for this connection are wrong`,
      );
      return;
    }
    s.opened = true;
    if (opened.type === CONTENT_APPLICATION_DATA) {
      if (opened.content.length > 0) out.push({ type: 'plaintext', dir, bytes: opened.content });
    } else if (opened.type === CONTENT_HANDSHAKE) this.handshake(dir, opened.content, out);
    else if (opened.type === CONTENT_ALERT) this.alerts(dir, opened.content, out);
  }

  /** Holds a client record until the ServerHello says how to read it (bounded). */
  private hold(r: TlsRecord, out: TlsOutput[]): void {
    const s = this.sides.c2s;
    if (this.opaqueSaid) return;
    if (s.pendingBytes + r.fragment.length > TLS_PENDING_MAX_BYTES) {
      this.opaque(out, 'the client sent too much protected data before the ServerHello');
      return;
    }
    s.pending.push(r);
    s.pendingBytes += r.fragment.length;
  }

  private alerts(dir: StreamDir, data: Uint8Array, out: TlsOutput[]): void {
    for (let i = 0; i + 1 < data.length; i += 2) {
      const code = data[i + 1]!;
      if (code === 0) out.push({ type: 'close_notify', dir });
      else out.push({ type: 'alert', dir, level: alertLevel(data[i]!), description: alertName(code), code });
    }
  }

  private handshake(dir: StreamDir, data: Uint8Array, out: TlsOutput[]): void {
    const { messages, malformed } = this.sides[dir].hs.push(data);
    for (const m of messages) this.message(dir, m, out);
    if (malformed) this.lose(dir, `malformed TLS in the ${WHO[dir]} stream: ${malformed}`, out);
  }

  private message(dir: StreamDir, m: HandshakeMessage, out: TlsOutput[]): void {
    const s = this.sides[dir];
    if (!m.body) return;
    if (m.type === HS_CLIENT_HELLO && dir === 'c2s' && !this.clientHello && !this.serverHello) {
      this.clientHello = parseClientHello(m.body);
    } else if (m.type === HS_SERVER_HELLO && dir === 's2c' && !this.serverHello) {
      const sh = parseServerHello(m.body);
      if (!sh) {
        this.lose(dir, `malformed TLS in the ${WHO[dir]} stream: a ServerHello that does not parse`, out);
        return;
      }
      if (sh.helloRetryRequest) return;
      this.serverHello = sh;
      this.decide(sh, out);
    } else if (m.type === HS_FINISHED && this.serverHello?.version === TLS13 && s.appCipher) {
      // The Finished is the last message under handshake keys (RFC 8446 §7.1): the next record is application.
      s.cipher = s.appCipher;
      s.appCipher = null;
    } else if (m.type === HS_KEY_UPDATE && s.cipher instanceof Tls13Cipher && !s.appCipher) {
      s.cipher = s.cipher.next();
    }
  }

  /** The ServerHello is known: states the facts, then whether (and with what) the rest is decrypted. */
  private decide(sh: ServerHello, out: TlsOutput[]): void {
    const suite = suiteInfo(sh.suite);
    out.push({
      type: 'facts',
      sni: this.clientHello?.sni ?? null,
      version: versionName(sh.version),
      cipher: suite.name,
    });
    if (this.opaqueSaid) return;
    const why = this.setUpKeys(sh, suite);
    if (why) {
      this.opaque(out, why);
      return;
    }
    this.decrypting = true;
    out.push({ type: 'decrypting' });
    const c = this.sides.c2s;
    const held = c.pending;
    c.pending = [];
    c.pendingBytes = 0;
    for (const r of held) this.record('c2s', r, out);
  }

  /** Installs the ciphers for this connection, or says why it cannot. */
  private setUpKeys(sh: ServerHello, suite: SuiteInfo): string | null {
    if (!this.keylog) return 'no TLS key log was given (--tls-keylog)';
    const ch = this.clientHello;
    if (!ch) return 'the ClientHello was not captured, so the key log cannot be searched';
    if (sh.version !== TLS12 && sh.version !== TLS13)
      return `${versionName(sh.version)} is not decrypted by pop3scope`;
    const recipe = suite.recipe;
    if (!recipe) return `cipher suite ${suite.name} is not decrypted by pop3scope`;
    if (suite.tls13 !== (sh.version === TLS13))
      return `malformed ServerHello: cipher suite ${suite.name} cannot be used with ${versionName(sh.version)}`;
    const random = Buffer.from(ch.random).toString('hex');
    const secrets = this.keylog.lookup(ch.random);
    if (!secrets) return `the key log has no secrets for this connection (client random ${random})`;
    if (sh.version === TLS12) {
      if (!secrets.masterSecret)
        return `the key log has no CLIENT_RANDOM line for this connection (client random ${random})`;
      this.keys12 = tls12Keys(recipe, secrets.masterSecret, ch.random, sh.random);
      return null;
    }
    const need: readonly (readonly [keyof TlsSecrets, string])[] = [
      ['clientHandshakeTrafficSecret', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET'],
      ['serverHandshakeTrafficSecret', 'SERVER_HANDSHAKE_TRAFFIC_SECRET'],
      ['clientTrafficSecret0', 'CLIENT_TRAFFIC_SECRET_0'],
      ['serverTrafficSecret0', 'SERVER_TRAFFIC_SECRET_0'],
    ];
    for (const [field, label] of need) {
      const secret = secrets[field];
      if (!secret) return `the key log has no ${label} for this connection (client random ${random})`;
      if (!Tls13Cipher.fits(recipe, secret))
        return `the key log's ${label} for this connection does not fit cipher suite ${suite.name}`;
    }
    const c = this.sides.c2s;
    const s = this.sides.s2c;
    c.cipher = new Tls13Cipher(recipe, secrets.clientHandshakeTrafficSecret!);
    c.appCipher = new Tls13Cipher(recipe, secrets.clientTrafficSecret0!);
    s.cipher = new Tls13Cipher(recipe, secrets.serverHandshakeTrafficSecret!);
    s.appCipher = new Tls13Cipher(recipe, secrets.serverTrafficSecret0!);
    return null;
  }
}
