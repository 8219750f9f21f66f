/**
 * TLS 1.2 AEAD record protection: the key block from the master secret and both randoms (RFC 5246 §6.3),
 * AES-GCM with a 4-byte salt and an explicit 8-byte nonce per record (RFC 5288 §3), ChaCha20-Poly1305 with
 * the IV XOR the sequence number (RFC 7905 §2); the sequence number, type, version and plaintext length are
 * the additional data. With the key log giving the master secret, the extended master secret does not matter.
 */

import type { OpenedRecord } from './tls13.js';
import { aeadOpen, prf12, seqBytes, xorNonce } from './tlsCrypto.js';
import type { TlsRecord } from './tlsRecords.js';
import type { AeadRecipe } from './tlsSuites.js';

const GCM_EXPLICIT_NONCE = 8;
const TAG = 16;

export interface Tls12Keys {
  readonly client: Tls12Cipher;
  readonly server: Tls12Cipher;
}

/** Both directions' ciphers for a connection (AEAD suites have no MAC keys). */
export function tls12Keys(
  recipe: AeadRecipe,
  masterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
): Tls12Keys {
  const ivLength = recipe.aead === 'chacha20-poly1305' ? 12 : 4;
  const block = prf12(
    recipe.hash,
    masterSecret,
    'key expansion',
    Buffer.concat([serverRandom, clientRandom]),
    2 * (recipe.keyLength + ivLength),
  );
  const k = recipe.keyLength;
  return {
    client: new Tls12Cipher(recipe, block.subarray(0, k), block.subarray(2 * k, 2 * k + ivLength)),
    server: new Tls12Cipher(
      recipe,
      block.subarray(k, 2 * k),
      block.subarray(2 * k + ivLength, 2 * k + 2 * ivLength),
    ),
  };
}

/** Decrypts one direction's records after its ChangeCipherSpec; sequence numbers count from 0. */
export class Tls12Cipher {
  private seq = 0n;

  constructor(
    private readonly recipe: AeadRecipe,
    private readonly key: Uint8Array,
    private readonly iv: Uint8Array,
  ) {}

  /** The opened record (its type is the outer one), or null when it fails authentication. */
  open(record: TlsRecord): OpenedRecord | null {
    const gcm = this.recipe.aead !== 'chacha20-poly1305';
    const f = record.fragment;
    const explicit = gcm ? GCM_EXPLICIT_NONCE : 0;
    if (f.length < explicit + TAG) return null;
    const nonce = gcm ? Buffer.concat([this.iv, f.subarray(0, explicit)]) : xorNonce(this.iv, this.seq);
    const plainLength = f.length - explicit - TAG;
    const aad = Buffer.concat([
      seqBytes(this.seq),
      Uint8Array.of(
        record.type,
        record.version >> 8,
        record.version & 0xff,
        plainLength >> 8,
        plainLength & 0xff,
      ),
    ]);
    const plain = aeadOpen(this.recipe.aead, this.key, nonce, aad, f.subarray(explicit));
    if (!plain) return null;
    this.seq++;
    return { type: record.type, content: plain };
  }
}
