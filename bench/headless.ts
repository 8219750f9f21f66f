/**
 * The proxy with the dashboard's view model running headless: pop3scope's own proxy (the built dist/, like the
 * other proxy paths) with a dashboard sink that reduces every event and computes every frame at the real frame
 * rate, drawing nowhere. Prints its port on stdout; on SIGTERM prints how many frames it computed on stderr.
 *   node --import tsx bench/headless.ts UPSTREAM_PORT
 */
import type { startProxy as StartProxy } from '../src/cli/proxy.js';
import type { liveDashboard as LiveDashboard } from '../src/ui/live.js';

const [upstream] = process.argv.slice(2);
// The built code, not src/ through tsx: every proxy path in the bench must run the same compiled JavaScript.
const { startProxy } = (await import(new URL('../dist/cli/proxy.js', import.meta.url).href)) as {
  startProxy: typeof StartProxy;
};
const { liveDashboard } = (await import(new URL('../dist/ui/live.js', import.meta.url).href)) as {
  liveDashboard: typeof LiveDashboard;
};

const dashboard = await liveDashboard({ capture: null, logs: 'logs off', hint: 'benchmark' });
const frames = dashboard.runHeadless(160, 48);
const { proxy, listen } = await startProxy(
  {
    upstream: `127.0.0.1:${upstream}`,
    listen: '127.0.0.1:0',
    format: 'text',
    logLevel: 'silent',
    connectTimeout: '10',
    quiet: true,
  },
  [dashboard],
);
process.stdout.write(`${listen.port}\n`);
process.on('SIGTERM', () => {
  process.stderr.write(`headless dashboard: ${frames.drawn} frames computed\n`);
  void dashboard
    .release()
    .then(() => proxy.stop(1000))
    .then(() => process.exit(0));
});
