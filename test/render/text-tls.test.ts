/** The TLS line of a transcript says what the handshake showed: for a trace's opaque TLS that is all there is. */
import { describe, expect, it } from 'vitest';
import { TranscriptPrinter } from '../../src/render/text.js';

const tls = (info: object) =>
  new TranscriptPrinter().event({
    type: 'tls',
    session: 's1',
    t: 0,
    info: { how: 'stls', visibility: 'opaque', ...info },
  });

describe('the TLS line', () => {
  it('names version, cipher and SNI when the handshake showed them', () => {
    expect(
      tls({ client: { version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', sni: 'mail.example.org' } }),
    ).toEqual(['── TLS (stls, opaque) ── TLSv1.3 · TLS_AES_128_GCM_SHA256 · SNI mail.example.org']);
  });

  it('is the bare banner without facts, and an SNI is shown printable', () => {
    expect(tls({})).toEqual(['── TLS (stls, opaque) ──']);
    expect(tls({ client: { version: null, cipher: null, sni: 'evil\x1b[2J' } })[0]).not.toContain('\x1b');
  });
});
