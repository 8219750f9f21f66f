/** The baseline: a plain Node TCP relay (socket.pipe both ways), the least any proxy in Node must do. */
import net from 'node:net';
import { pipePair } from './pipePair.js';

const [upstreamPort] = process.argv.slice(2).map(Number);
const server = net.createServer({ allowHalfOpen: true }, (client) => {
  const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort!, allowHalfOpen: true });
  pipePair(client, upstream);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as net.AddressInfo).port}\n`));
