/**
 * pop3scope's local certificate authority: an ECDSA P-256 CA created once and kept in the user's config
 * directory (key mode 0600), and leaf certificates issued from it per upstream host, with SANs from the
 * client's SNI, the upstream host name and IP. Leaves carry the Authority and Subject Key Identifiers that
 * strict verifiers (OpenSSL with X509_STRICT, Python 3.13, curl) require. Issued leaves are kept (limits.ts).
 */
import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { type CaFiles, caFiles } from './caFiles.js';
import { MAX_CACHED_LEAVES } from './limits.js';

export { type CaFiles, caFiles };

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;

export interface Leaf {
  readonly certPem: string;
  readonly keyPem: string;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.trimEnd()}\n-----END ${label}-----\n`;
}

function serial(): string {
  // Positive, 16 random bytes: unique enough that no two leaves ever share one.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f;
  return Buffer.from(bytes).toString('hex');
}

export class CertificateAuthority {
  private readonly leaves = new Map<string, Promise<Leaf>>();

  private constructor(
    readonly cert: x509.X509Certificate,
    private readonly keys: CryptoKeyPair,
    readonly certPem: string,
  ) {}

  /** Loads the CA from `files`, creating it (once) when it does not exist. */
  static async loadOrCreate(
    files: CaFiles = caFiles(),
  ): Promise<{ ca: CertificateAuthority; created: boolean }> {
    try {
      const [certPem, keyPem] = await Promise.all([
        readFile(files.certPath, 'utf8'),
        readFile(files.keyPath, 'utf8'),
      ]);
      return { ca: await CertificateAuthority.fromPem(certPem, keyPem), created: false };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const ca = await CertificateAuthority.create();
    await mkdir(files.dir, { recursive: true, mode: 0o700 });
    await writeFile(files.keyPath, await ca.keyPem(), { mode: 0o600, flag: 'wx' });
    await chmod(files.keyPath, 0o600);
    await writeFile(files.certPath, ca.certPem, { mode: 0o644, flag: 'wx' });
    return { ca, created: true };
  }

  static async fromPem(certPem: string, keyPem: string): Promise<CertificateAuthority> {
    const cert = new x509.X509Certificate(certPem);
    const der = Buffer.from(keyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const privateKey = await webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign']);
    const publicKey = await cert.publicKey.export(ALG, ['verify']);
    return new CertificateAuthority(cert, { privateKey, publicKey } as CryptoKeyPair, certPem);
  }

  /** A new CA in memory (tests; `loadOrCreate` persists one). */
  static async create(): Promise<CertificateAuthority> {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: 'CN=pop3scope local CA, O=pop3scope',
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 3650 * DAY),
      keys,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new CertificateAuthority(cert, keys, cert.toString('pem'));
  }

  async keyPem(): Promise<string> {
    return pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', this.keys.privateKey));
  }

  /** SHA-256 fingerprint of the CA certificate, as colon-separated hex. */
  fingerprint(): string {
    return createHash('sha256')
      .update(Buffer.from(this.cert.rawData))
      .digest('hex')
      .toUpperCase()
      .match(/../g)!
      .join(':');
  }

  /** A leaf for these names (DNS names and IP addresses), issued once and kept (up to MAX_CACHED_LEAVES). */
  leaf(names: readonly string[]): Promise<Leaf> {
    const unique = [...new Set(names.filter((n) => n !== ''))].sort();
    const key = unique.join(',');
    let leaf = this.leaves.get(key);
    // A leaf kept is set again below: the Map's order is then the order of last use.
    if (leaf) this.leaves.delete(key);
    else leaf = this.issue(unique);
    this.leaves.set(key, leaf);
    if (this.leaves.size > MAX_CACHED_LEAVES) this.leaves.delete(this.leaves.keys().next().value!);
    return leaf;
  }

  private async issue(names: readonly string[]): Promise<Leaf> {
    const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
    const now = Date.now();
    const sans = names.map((n) => ({ type: isIP(n) ? ('ip' as const) : ('dns' as const), value: n }));
    const cn = names.find((n) => !isIP(n)) ?? names[0] ?? 'localhost';
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${cn}`,
      issuer: this.cert.subject,
      notBefore: new Date(now - DAY),
      // 397 days: the longest validity clients accept for server certificates.
      notAfter: new Date(now + 397 * DAY),
      publicKey: keys.publicKey,
      signingKey: this.keys.privateKey,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension(sans, false),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(this.keys.publicKey),
      ],
    });
    return {
      certPem: `${cert.toString('pem')}\n`,
      keyPem: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
    };
  }
}
