/**
 * The fast bench server, in its own process: every RETR response (status line, dot-stuffed body, terminator)
 * is built once at start and sent with one write, so the server spends almost nothing per megabyte and the
 * relay under test is the bottleneck (the embedded server in server.ts is a real POP3 server and costs more
 * per megabyte than any relay). It answers only what the bench's clients send: USER, PASS, STAT, LIST, RETR,
 * NOOP, QUIT, and STLS when asked to. Prints its port on stdout, then serves until killed.
 *   N MIB                        N messages of MIB MiB each, any user and password
 *   N MIB --tls CERT KEY         the same over implicit TLS (POP3S)
 *   N MIB --stls CERT KEY        in clear, answering STLS with +OK and then TLS on the same connection
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { makeMessage } from './messages.js';

const [count = '2', mib = '1', mode = '', certFile = '', keyFile = ''] = process.argv.slice(2);
const credentials =
  mode === '--tls' || mode === '--stls' ? { cert: readFileSync(certFile), key: readFileSync(keyFile) } : {};
const messages = Array.from({ length: Number(count) }, (_, i) => makeMessage(Number(mib) * 1024 * 1024, i));
const retr = messages.map((m) => {
  // Dot-stuffing: a body line that starts with "." goes out with one more (RFC 1939 §3).
  const stuffed = Buffer.from(m.toString('latin1').replace(/(^|\r\n)\./g, '$1..'), 'latin1');
  return Buffer.concat([Buffer.from(`+OK ${m.length} octets\r\n`), stuffed, Buffer.from('.\r\n')]);
});
const total = messages.reduce((sum, m) => sum + m.length, 0);
const list = `+OK ${messages.length} messages\r\n${messages.map((m, i) => `${i + 1} ${m.length}\r\n`).join('')}.\r\n`;

function answer(line: string): string | Buffer {
  const [verb = '', arg = ''] = line.trim().split(' ');
  switch (verb.toUpperCase()) {
    case 'STAT':
      return `+OK ${messages.length} ${total}\r\n`;
    case 'LIST':
      return list;
    case 'RETR':
      return retr[Number(arg) - 1] ?? '-ERR no such message\r\n';
    case 'QUIT':
      return '+OK bye\r\n';
    default:
      return '+OK\r\n';
  }
}

/** Answers `socket` line by line; under --stls an STLS line is answered, then the rest goes over TLS. */
function serve(socket: net.Socket, stls: boolean): void {
  socket.setNoDelay(true);
  socket.on('error', () => {});
  let pending = '';
  const onData = (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    for (let at = pending.indexOf('\n'); at >= 0; at = pending.indexOf('\n')) {
      const line = pending.slice(0, at);
      pending = pending.slice(at + 1);
      if (stls && /^stls/i.test(line)) {
        socket.write('+OK begin TLS\r\n');
        socket.off('data', onData);
        serve(new tls.TLSSocket(socket, { isServer: true, ...credentials }), false);
        return;
      }
      socket.write(answer(line));
      if (/^quit/i.test(line)) socket.end();
    }
  };
  socket.on('data', onData);
}

const greet = (socket: net.Socket) => {
  serve(socket, mode === '--stls');
  socket.write('+OK fast bench server ready\r\n');
};
const server =
  mode === '--tls' ? tls.createServer(credentials, greet) : net.createServer({ allowHalfOpen: false }, greet);
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
