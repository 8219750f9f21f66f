/**
 * The NSS key log format (SSLKEYLOGFILE, as curl, OpenSSL, Firefox and Node's 'keylog' event write it): one
 * secret per line, "LABEL <client_random hex> <secret hex>". pop3scope takes the text (the CLI reads the
 * file) and keeps, per client random, what TLS 1.2 (CLIENT_RANDOM: the master secret) and TLS 1.3 (the
 * handshake and first application traffic secrets) decryption need. A bad line is counted and described,
 * never fatal: a key log written by several programs at once is often slightly torn.
 */
import { KEYLOG_MAX_PROBLEMS } from './limits.js';

/** The secrets the key log holds for one client random (each present only when a line gave it). */
export interface TlsSecrets {
  /** TLS 1.2 master secret (48 bytes). */
  readonly masterSecret?: Uint8Array;
  readonly clientHandshakeTrafficSecret?: Uint8Array;
  readonly serverHandshakeTrafficSecret?: Uint8Array;
  readonly clientTrafficSecret0?: Uint8Array;
  readonly serverTrafficSecret0?: Uint8Array;
}

/** A line that could not be used: its 1-based number and why. */
export interface KeyLogProblem {
  readonly line: number;
  readonly why: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const FIELD: Readonly<Record<string, keyof TlsSecrets>> = {
  CLIENT_RANDOM: 'masterSecret',
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'clientHandshakeTrafficSecret',
  SERVER_HANDSHAKE_TRAFFIC_SECRET: 'serverHandshakeTrafficSecret',
  CLIENT_TRAFFIC_SECRET_0: 'clientTrafficSecret0',
  SERVER_TRAFFIC_SECRET_0: 'serverTrafficSecret0',
};

/** Labels of the format that pop3scope has no use for (exporters, 0-RTT, TLS 1.2 RSA pre-master secrets). */
const IGNORED = new Set([
  'EXPORTER_SECRET',
  'EARLY_EXPORTER_SECRET',
  'CLIENT_EARLY_TRAFFIC_SECRET',
  'EARLY_EXPORTER_MASTER_SECRET',
  'RSA',
]);

const HEX = /^(?:[0-9a-fA-F]{2})+$/;

export class KeyLog {
  private constructor(
    private readonly byRandom: ReadonlyMap<string, TlsSecrets>,
    /** The first KEYLOG_MAX_PROBLEMS bad lines (badLines counts them all). */
    readonly problems: readonly KeyLogProblem[],
    /** How many lines could not be used. */
    readonly badLines: number,
  ) {}

  /** Parses a key log's text; never throws. */
  static parse(text: string): KeyLog {
    const byRandom = new Map<string, Mutable<TlsSecrets>>();
    const problems: KeyLogProblem[] = [];
    let badLines = 0;
    const bad = (line: number, why: string) => {
      badLines++;
      if (problems.length < KEYLOG_MAX_PROBLEMS) problems.push({ line, why });
    };
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '' || line.startsWith('#')) continue;
      const parts = line.split(/[ \t]+/);
      const label = parts[0]!;
      if (IGNORED.has(label)) continue;
      const field = FIELD[label];
      if (field === undefined) {
        // Only a word that looks like a label is repeated: a mangled line may start with a secret's hex.
        bad(
          i + 1,
          /^[A-Za-z_][A-Za-z0-9_]{0,39}$/.test(label) && !/^[0-9a-fA-F]+$/.test(label)
            ? `unknown label ${JSON.stringify(label)}`
            : 'no label a key log has',
        );
        continue;
      }
      if (parts.length !== 3) {
        bad(i + 1, `${label} needs a client random and a secret`);
        continue;
      }
      const [, random, secret] = parts as [string, string, string];
      if (random.length !== 64 || !HEX.test(random)) {
        bad(i + 1, `${label}: the client random is not 32 bytes of hex`);
        continue;
      }
      if (!HEX.test(secret)) {
        bad(i + 1, `${label}: the secret is not hex`);
        continue;
      }
      const bytes = Buffer.from(secret, 'hex');
      const sizes = field === 'masterSecret' ? [48] : [32, 48];
      if (!sizes.includes(bytes.length)) {
        bad(i + 1, `${label}: a ${bytes.length}-byte secret (expected ${sizes.join(' or ')})`);
        continue;
      }
      const key = random.toLowerCase();
      let entry = byRandom.get(key);
      if (!entry) {
        entry = {};
        byRandom.set(key, entry);
      }
      entry[field] = bytes;
    }
    return new KeyLog(byRandom, problems, badLines);
  }

  /** How many client randoms have at least one secret. */
  get size(): number {
    return this.byRandom.size;
  }

  /** The secrets for a connection, by its ClientHello's 32-byte random; null when the log has none. */
  lookup(clientRandom: Uint8Array): TlsSecrets | null {
    return this.byRandom.get(Buffer.from(clientRandom).toString('hex')) ?? null;
  }
}
