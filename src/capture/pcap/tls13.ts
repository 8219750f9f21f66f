/**
 * TLS 1.3 record protection (RFC 8446 §5.2-5.3, §7.2-7.3): keys and IVs expanded from a traffic secret, the
 * per-record nonce (IV XOR sequence number), the record header as additional data, and the real content
 * type found after the zero padding. `next()` is the key schedule's step on KeyUpdate.
 */

import { aeadOpen, HASH_LENGTH, hkdfExpandLabel, xorNonce } from './tlsCrypto.js';
import type { TlsRecord } from './tlsRecords.js';
import type { AeadRecipe } from './tlsSuites.js';

export interface OpenedRecord {
  readonly type: number;
  readonly content: Uint8Array;
}

/** Decrypts one direction's records under one traffic secret; sequence numbers count from 0. */
export class Tls13Cipher {
  private readonly key: Buffer;
  private readonly iv: Buffer;
  private seq = 0n;

  constructor(
    private readonly recipe: AeadRecipe,
    private readonly secret: Uint8Array,
  ) {
    const none = new Uint8Array(0);
    this.key = hkdfExpandLabel(recipe.hash, secret, 'key', none, recipe.keyLength);
    this.iv = hkdfExpandLabel(recipe.hash, secret, 'iv', none, 12);
  }

  /** A secret of the wrong size for the suite's hash cannot be this connection's. */
  static fits(recipe: AeadRecipe, secret: Uint8Array): boolean {
    return secret.length === HASH_LENGTH[recipe.hash];
  }

  /** The opened record, or null when it fails authentication or has no content type. */
  open(record: TlsRecord): OpenedRecord | null {
    const plain = aeadOpen(
      this.recipe.aead,
      this.key,
      xorNonce(this.iv, this.seq),
      record.header,
      record.fragment,
    );
    if (!plain) return null;
    this.seq++;
    let end = plain.length;
    while (end > 0 && plain[end - 1] === 0) end--;
    if (end === 0) return null;
    return { type: plain[end - 1]!, content: plain.subarray(0, end - 1) };
  }

  /** The cipher for the next generation of this direction's traffic secret (after a KeyUpdate). */
  next(): Tls13Cipher {
    const hashLength = HASH_LENGTH[this.recipe.hash];
    return new Tls13Cipher(
      this.recipe,
      hkdfExpandLabel(this.recipe.hash, this.secret, 'traffic upd', new Uint8Array(0), hashLength),
    );
  }
}
