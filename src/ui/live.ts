/**
 * What the commands (proxy, demo, replay) share to put the dashboard up: whether to show it, where the logs
 * go meanwhile, and the lifecycle — take the terminal, wait for `q` or a signal, stop the work cleanly, give
 * the terminal back (also on errors; a second `q` exits at once).
 */
import type { Dashboard, DashboardOptions } from './dashboard.js';

/** `--ui` forces the dashboard, `--no-ui` refuses it; by default it shows when both ends are a terminal. */
export function wantsDashboard(o: { ui?: boolean; format?: string }): boolean {
  if (o.ui !== undefined) return o.ui;
  return Boolean(process.stdout.isTTY && process.stdin.isTTY) && (o.format ?? 'text') === 'text';
}

/**
 * Logs may never print over the screen: with the dashboard up they go to --log-file, or nowhere. Returns the
 * level to log at and the note for the status line.
 */
export function dashboardLogging(
  logFile: string | undefined,
  logLevel: string,
): { logLevel: string; note: string } {
  if (logFile && logFile !== '-') return { logLevel, note: `logs → ${logFile}` };
  return { logLevel: 'silent', note: 'logs off (--log-file FILE)' };
}

/**
 * A dashboard for the live proxy (not yet on screen: sessions may arrive before it is). The dashboard and
 * blessed are imported only now: a proxy without a screen never loads them (less startup, a smaller heap).
 */
export async function liveDashboard(o: Omit<DashboardOptions, 'mode'>): Promise<Dashboard> {
  const { Dashboard } = await import('./dashboard.js');
  return new Dashboard({ ...o, mode: 'live' });
}

/**
 * Shows the dashboard until the user quits or `signal` settles, then runs `stop` (the dashboard stays up
 * meanwhile, saying so) and restores the terminal. `afterWork` — if given — is awaited alongside: the screen
 * stays up after it ends, until `q`. Rethrows a drawing failure once the terminal is back.
 */
export async function runDashboard(
  dashboard: Dashboard,
  o: { signal: Promise<unknown>; stop: () => Promise<void>; work?: Promise<unknown> },
): Promise<void> {
  dashboard.takeTerminal();
  let forced: () => void = () => {};
  const force = new Promise<'forced'>((resolve) => (forced = () => resolve('forced')));
  dashboard.onForceQuit(forced);
  let workError: unknown = null;
  const work = o.work?.then(
    () => new Promise<never>(() => {}),
    (error: unknown) => {
      workError = error;
      return { reason: 'work-failed' as const };
    },
  );
  try {
    const end = await Promise.race([
      o.signal.then(() => ({ reason: 'signal' as const })),
      dashboard.ended,
      ...(work ? [work] : []),
    ]);
    if (end.reason !== 'quit') dashboard.dispatch({ type: 'quit' });
    const stopped = await Promise.race([o.stop().then(() => 'stopped' as const), force]);
    if (stopped === 'forced') {
      await dashboard.release();
      process.exit(130);
    }
    if (end.reason === 'error') throw end.error;
    if (workError !== null) throw workError;
  } finally {
    await dashboard.release();
  }
}
