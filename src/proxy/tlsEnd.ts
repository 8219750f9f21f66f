/**
 * How a TLS peer ended its side: with a close_notify alert, or by closing TCP with none (RFC 8446 §6.1: then a
 * truncation cannot be told from a clean end). Node cannot say: its TLS layer ends the stream the same way
 * either way, and it reads a net.Socket in C++ where no JavaScript sees the ciphertext. So the upstream's TLS
 * runs over a `RecordWatch`, a pass-through stream that hands every chunk on unchanged (the same Buffer, no
 * copy) and follows the TLS record framing on the side — five header octets, then the body skipped by
 * arithmetic: a few steps per chunk, whatever its size.
 *
 * At the transport's end the last whole record tells: TLS 1.2 sends its alerts as records of type 21; TLS 1.3
 * hides every record's type behind 23, and a close_notify is the one of 19 octets (2 alert octets, the inner
 * type, a 16-octet AEAD tag) — which 2 octets of data would also be, so for that the TLS layer must also have
 * ended its stream already (Node does so while decrypting the close_notify, before the transport's end).
 */
import type net from 'node:net';
import { Duplex } from 'node:stream';

/** TLS record content types (RFC 8446 §5.1). */
const ALERT = 21;
const APPLICATION_DATA = 23;
/** A TLS 1.3 close_notify record: 2 alert octets, 1 inner content type, a 16-octet AEAD tag, no padding. */
const TLS13_ALERT_RECORD = 2 + 1 + 16;

/** How the peer ended TLS, known once its transport ended: `null` until then (or if it never ends cleanly). */
export type TlsEnd = 'close_notify' | 'no close_notify';

export class RecordWatch extends Duplex {
  /** Set when the peer's transport ended (FIN): whether a close_notify came before it. */
  peerEnd: TlsEnd | null = null;
  /** The TLS socket over this stream: its state confirms a TLS 1.3 close_notify. */
  secure: { readonly _readableState?: { readonly ended?: boolean } } | null = null;
  private headerAt = 0;
  private type = 0;
  private length = 0;
  private skip = 0;
  private lastType = -1;
  private lastLength = -1;

  constructor(readonly raw: net.Socket) {
    super({ allowHalfOpen: true });
    raw.on('data', (chunk: Buffer) => {
      this.follow(chunk);
      if (!this.push(chunk)) raw.pause();
    });
    raw.on('end', () => this.push(null));
    raw.on('error', (error) => this.destroy(error));
    raw.on('close', () => this.destroy());
    // The first 'end' listener: every chunk was handed to TLS (which decrypts it at once), and TLS has not yet
    // been told of the end.
    this.on('end', () => {
      this.peerEnd = this.closeNotifyLast() ? 'close_notify' : 'no close_notify';
    });
  }

  /** Follows the record framing across chunks: a header octet at a time, bodies skipped whole. */
  private follow(chunk: Buffer): void {
    const n = chunk.length;
    let pos = 0;
    while (pos < n) {
      if (this.skip > 0) {
        const step = Math.min(this.skip, n - pos);
        this.skip -= step;
        pos += step;
        continue;
      }
      const octet = chunk[pos++]!;
      switch (this.headerAt++) {
        case 0:
          this.type = octet;
          break;
        case 3:
          this.length = octet << 8;
          break;
        case 4:
          this.length |= octet;
          this.headerAt = 0;
          this.lastType = this.type;
          this.lastLength = this.length;
          this.skip = this.length;
          break;
      }
    }
  }

  /** Whether the stream ended on a whole record that is a close_notify. */
  private closeNotifyLast(): boolean {
    if (this.headerAt !== 0 || this.skip !== 0) return false; // cut inside a record
    if (this.lastType === ALERT) return true; // TLS 1.2 (a fatal alert would have failed the TLS socket)
    if (this.lastType !== APPLICATION_DATA || this.lastLength !== TLS13_ALERT_RECORD) return false;
    return this.secure?._readableState?.ended ?? true;
  }

  override _read(): void {
    this.raw.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.raw.write(chunk, done);
  }

  override _final(done: () => void): void {
    this.raw.end();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.raw.destroy(error ?? undefined);
    done(error);
  }
}
