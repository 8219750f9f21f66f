/**
 * The benchmark's POP3 server, in its own process: pop3scope's embedded server on an in-memory store built for
 * the scenario named on the command line. Prints its port on stdout, then serves until killed.
 *   large N MIB     one user "bench" with N messages of MIB MiB each
 *   many N          N users "u1".."uN" with one small message each (concurrency)
 */
import { MemoryStore } from '../src/server/memoryStore.js';
import { startServer } from '../src/server/server.js';
import { makeMessage } from './messages.js';

const [kind = 'large', a = '2', b = '1'] = process.argv.slice(2);
const users =
  kind === 'many'
    ? Array.from({ length: Number(a) }, (_, i) => ({
        name: `u${i + 1}`,
        password: 'bench',
        messages: [makeMessage(4096, i)],
      }))
    : [
        {
          name: 'bench',
          password: 'bench',
          messages: Array.from({ length: Number(a) }, (_, i) => makeMessage(Number(b) * 1024 * 1024, i)),
        },
      ];
const server = await startServer({
  host: '127.0.0.1',
  port: 0,
  store: new MemoryStore(users, 'bench'),
  maxSessions: 20_000, // room for the scale figure: 10,000 sessions, and more at once than its client opens
});
process.stdout.write(`${server.address().port}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
