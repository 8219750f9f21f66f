/**
 * The scale figure's client, in its own process so that it can be started with a raised limit of open files
 * (10,000 sessions hold 10,000 sockets; the bench process cannot raise its own limit). Runs `N` concurrent
 * sessions against PORT and prints one JSON line: errors, milliseconds, sessions open at once, the first error,
 * and its own limit of open files. With `hold`, all N are held open together (bench/client.ts).
 *   node --import tsx bench/scaleClient.ts PORT N [hold]
 */
import { openFilesLimit } from './children.js';
import { concurrentSessions } from './client.js';

const [port, n] = process.argv.slice(2, 4).map(Number);
const openFiles = openFilesLimit(process.pid);
const r = await concurrentSessions(port!, n!, process.argv[4] === 'hold');
process.stdout.write(`${JSON.stringify({ ...r, openFiles })}\n`);
process.exit(0); // sessions given up on (over their time limit) may still hold sockets
