/**
 * The few cryptographic primitives TLS decryption needs, on node:crypto: HKDF-Expand-Label (TLS 1.3,
 * RFC 8446 §7.1), the TLS 1.2 PRF (RFC 5246 §5) and AEAD opening that reports a failed tag as null, so a wrong
 * key is a result the caller states, never garbage plaintext and never an exception.
 */
import { createDecipheriv, createHmac } from 'node:crypto';

export type HashName = 'sha256' | 'sha384';
export type AeadName = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

export const HASH_LENGTH: Readonly<Record<HashName, number>> = { sha256: 32, sha384: 48 };
export const AEAD_TAG_LENGTH = 16;

/** HKDF-Expand (RFC 5869 §2.3): node's hkdfSync always extracts first, TLS 1.3 needs expand alone. */
export function hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const blocks: Buffer[] = [];
  let prev: Buffer = Buffer.alloc(0);
  let have = 0;
  for (let i = 1; have < length; i++) {
    prev = createHmac(hash, prk).update(prev).update(info).update(Uint8Array.of(i)).digest();
    blocks.push(prev);
    have += prev.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** HKDF-Expand-Label(secret, label, context, length) with the "tls13 " prefix. */
export function hkdfExpandLabel(
  hash: HashName,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([
    Uint8Array.of(length >> 8, length & 0xff, full.length),
    full,
    Uint8Array.of(context.length),
    context,
  ]);
  return hkdfExpand(hash, secret, info, length);
}

/** The TLS 1.2 PRF: P_hash(secret, label + seed) cut to `length`. */
export function prf12(
  hash: HashName,
  secret: Uint8Array,
  label: string,
  seed: Uint8Array,
  length: number,
): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const out: Buffer[] = [];
  let a: Buffer = labelSeed;
  let have = 0;
  while (have < length) {
    a = createHmac(hash, secret).update(a).digest();
    const block = createHmac(hash, secret).update(a).update(labelSeed).digest();
    out.push(block);
    have += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** `iv` XOR the 64-bit record sequence number, right-aligned (RFC 8446 §5.3, RFC 7905 §2). */
export function xorNonce(iv: Uint8Array, seq: bigint): Buffer {
  const nonce = Buffer.from(iv);
  let s = seq;
  for (let i = nonce.length - 1; i >= nonce.length - 8 && i >= 0; i--) {
    nonce[i]! ^= Number(s & 0xffn);
    s >>= 8n;
  }
  return nonce;
}

/** The 8-byte big-endian sequence number. */
export function seqBytes(seq: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(seq);
  return b;
}

/**
 * Opens `sealed` (ciphertext followed by the 16-byte tag): the plaintext, or null when the tag does not verify
 * (wrong key, corrupted record) or the input is too short to hold a tag.
 */
export function aeadOpen(
  aead: AeadName,
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  sealed: Uint8Array,
): Buffer | null {
  if (sealed.length < AEAD_TAG_LENGTH) return null;
  const body = sealed.subarray(0, sealed.length - AEAD_TAG_LENGTH);
  const tag = sealed.subarray(sealed.length - AEAD_TAG_LENGTH);
  try {
    if (aead === 'chacha20-poly1305') {
      const d = createDecipheriv(aead, key, nonce, { authTagLength: AEAD_TAG_LENGTH });
      d.setAAD(aad, { plaintextLength: body.length });
      d.setAuthTag(tag);
      return Buffer.concat([d.update(body), d.final()]);
    }
    const d = createDecipheriv(aead, key, nonce, { authTagLength: AEAD_TAG_LENGTH });
    d.setAAD(aad);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(body), d.final()]);
  } catch {
    // final() throws exactly when the tag does not verify: that is the answer, not an error.
    return null;
  }
}
