/**
 * TLS cipher suites pop3scope can name (in the OpenSSL spelling Node's getCipher().name uses) and the AEAD
 * ones it can decrypt. Key exchange and authentication do not matter for decryption (the key log gives the
 * secrets), so every AEAD suite of a family shares one recipe.
 */
import type { AeadName, HashName } from './tlsCrypto.js';

export interface AeadRecipe {
  readonly aead: AeadName;
  readonly keyLength: number;
  readonly hash: HashName;
}

export interface SuiteInfo {
  readonly id: number;
  readonly name: string;
  /** How to decrypt it, or null when pop3scope does not (CBC, CCM, export, NULL, ...). */
  readonly recipe: AeadRecipe | null;
  readonly tls13: boolean;
}

const GCM128: AeadRecipe = { aead: 'aes-128-gcm', keyLength: 16, hash: 'sha256' };
const GCM256: AeadRecipe = { aead: 'aes-256-gcm', keyLength: 32, hash: 'sha384' };
const CHACHA: AeadRecipe = { aead: 'chacha20-poly1305', keyLength: 32, hash: 'sha256' };

const TABLE: readonly (readonly [number, string, AeadRecipe | null])[] = [
  // TLS 1.3 (RFC 8446 §B.4)
  [0x1301, 'TLS_AES_128_GCM_SHA256', GCM128],
  [0x1302, 'TLS_AES_256_GCM_SHA384', GCM256],
  [0x1303, 'TLS_CHACHA20_POLY1305_SHA256', CHACHA],
  [0x1304, 'TLS_AES_128_CCM_SHA256', null],
  [0x1305, 'TLS_AES_128_CCM_8_SHA256', null],
  // TLS 1.2 AEAD (RFC 5289, RFC 5288, RFC 7905)
  [0xc02b, 'ECDHE-ECDSA-AES128-GCM-SHA256', GCM128],
  [0xc02c, 'ECDHE-ECDSA-AES256-GCM-SHA384', GCM256],
  [0xc02f, 'ECDHE-RSA-AES128-GCM-SHA256', GCM128],
  [0xc030, 'ECDHE-RSA-AES256-GCM-SHA384', GCM256],
  [0xcca8, 'ECDHE-RSA-CHACHA20-POLY1305', CHACHA],
  [0xcca9, 'ECDHE-ECDSA-CHACHA20-POLY1305', CHACHA],
  [0xccaa, 'DHE-RSA-CHACHA20-POLY1305', CHACHA],
  [0x009e, 'DHE-RSA-AES128-GCM-SHA256', GCM128],
  [0x009f, 'DHE-RSA-AES256-GCM-SHA384', GCM256],
  [0x009c, 'AES128-GCM-SHA256', GCM128],
  [0x009d, 'AES256-GCM-SHA384', GCM256],
  // Named, not decrypted: CBC with HMAC, CCM
  [0xc009, 'ECDHE-ECDSA-AES128-SHA', null],
  [0xc00a, 'ECDHE-ECDSA-AES256-SHA', null],
  [0xc013, 'ECDHE-RSA-AES128-SHA', null],
  [0xc014, 'ECDHE-RSA-AES256-SHA', null],
  [0xc023, 'ECDHE-ECDSA-AES128-SHA256', null],
  [0xc024, 'ECDHE-ECDSA-AES256-SHA384', null],
  [0xc027, 'ECDHE-RSA-AES128-SHA256', null],
  [0xc028, 'ECDHE-RSA-AES256-SHA384', null],
  [0x002f, 'AES128-SHA', null],
  [0x0035, 'AES256-SHA', null],
  [0x003c, 'AES128-SHA256', null],
  [0x003d, 'AES256-SHA256', null],
  [0x0033, 'DHE-RSA-AES128-SHA', null],
  [0x0039, 'DHE-RSA-AES256-SHA', null],
  [0x0067, 'DHE-RSA-AES128-SHA256', null],
  [0x006b, 'DHE-RSA-AES256-SHA256', null],
  [0x000a, 'DES-CBC3-SHA', null],
  [0xc0ac, 'ECDHE-ECDSA-AES128-CCM', null],
  [0xc0ad, 'ECDHE-ECDSA-AES256-CCM', null],
];

const BY_ID = new Map<number, SuiteInfo>(
  TABLE.map(([id, name, recipe]) => [id, { id, name, recipe, tls13: id >= 0x1301 && id <= 0x1305 }]),
);

/** IANA hex spelling for a suite not in the table, e.g. 0x1301 → "0x1301", 0xc0ad → "0xC0AD". */
export function suiteHex(id: number): string {
  return `0x${id.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** What pop3scope knows of suite `id` (an unknown suite gets its hex spelling and no recipe). */
export function suiteInfo(id: number): SuiteInfo {
  return BY_ID.get(id) ?? { id, name: suiteHex(id), recipe: null, tls13: false };
}

/** A protocol version in Node's getProtocol() spelling ("TLSv1.3"), or hex for one Node does not name. */
export function versionName(v: number): string {
  switch (v) {
    case 0x0300:
      return 'SSLv3';
    case 0x0301:
      return 'TLSv1';
    case 0x0302:
      return 'TLSv1.1';
    case 0x0303:
      return 'TLSv1.2';
    case 0x0304:
      return 'TLSv1.3';
    default:
      return suiteHex(v);
  }
}
