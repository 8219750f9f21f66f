/** Benchmark message content: headers, then 76-octet lines, every fiftieth starting with a dot (stuffed on the wire). */

const CRLF = '\r\n';

/** A message of about `bytes` octets. */
export function makeMessage(bytes: number, seed = 0): Buffer {
  const header = `From: bench@example.org${CRLF}To: bench@example.org${CRLF}Subject: benchmark message ${seed}${CRLF}${CRLF}`;
  const line = Buffer.from(
    `${'The quick brown fox jumps over the lazy dog. 0123456789 abcdefghijklmnopq'.slice(0, 74)}${CRLF}`,
  );
  const dotLine = Buffer.from(`.${line.subarray(1).toString('latin1')}`, 'latin1');
  const out = Buffer.allocUnsafe(Math.max(bytes, header.length + line.length));
  let at = out.write(header, 0, 'latin1');
  let n = 0;
  while (at + line.length <= out.length) {
    (n++ % 50 === 0 ? dotLine : line).copy(out, at);
    at += line.length;
  }
  return out.subarray(0, at);
}
