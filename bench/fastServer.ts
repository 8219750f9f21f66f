/**
 * The fast bench server, in its own process: every RETR response (status line, dot-stuffed body, terminator)
 * is built once at start and sent with one write, so the server spends almost nothing per megabyte and the
 * relay under test is the bottleneck (the embedded server in server.ts is a real POP3 server and costs more
 * per megabyte than any relay). It answers only what the bench's clients send: USER, PASS, STAT, LIST, RETR,
 * NOOP, QUIT. Prints its port on stdout, then serves until killed.
 *   fast N MIB      N messages of MIB MiB each, any user and password
 */
import net from 'node:net';
import { makeMessage } from './messages.js';

const [count = '2', mib = '1'] = process.argv.slice(2);
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

const server = net.createServer({ allowHalfOpen: false }, (socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => {});
  let pending = '';
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('latin1');
    for (let at = pending.indexOf('\n'); at >= 0; at = pending.indexOf('\n')) {
      const line = pending.slice(0, at);
      pending = pending.slice(at + 1);
      socket.write(answer(line));
      if (/^quit/i.test(line)) socket.end();
    }
  });
  socket.write('+OK fast bench server ready\r\n');
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
