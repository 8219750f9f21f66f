/** `pop3scope proxy`: the intercepting proxy between a mail client and a real POP3 server. */

import { appendFile, readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CaptureError } from '../capture/reader.js';
import { CaptureWriter } from '../capture/writer.js';
import type { ProxySink } from '../events.js';
import type { FaultPlan } from '../faults/types.js';
import { createLogger, LOG_LEVELS, LogFileError, type Logger } from '../log/logger.js';
import { DEFAULT_GREETING_TIMEOUT_MS, DEFAULT_PROXY_PORT } from '../proxy/limits.js';
import { ProxyServer } from '../proxy/server.js';
import { captureSink } from '../proxy/sinks/capture.js';
import { liveSink } from '../proxy/sinks/live.js';
import { logSink } from '../proxy/sinks/log.js';
import { pcapngSink } from '../proxy/sinks/pcapng.js';
import type { ProxyTlsOptions, StlsMode } from '../proxy/tls.js';
import { wantColour } from '../render/style.js';
import { caFiles } from '../tls/caFiles.js';
import type { LeafIssuer } from '../tls/caWorker.js';
import { TEACHING_PACE_MS } from '../ui/limits.js';
import { dashboardLogging, liveDashboard, runDashboard, wantsDashboard } from '../ui/live.js';
import { VERSION } from '../version.js';
import { type HostPort, isLoopback, parseHostPort, showHostPort } from './address.js';
import { CliError } from './errors.js';
import { addFaultOptions, type FaultFlags, faultPlan, faultsLine, injectorFactory } from './faultOptions.js';
import { choiceOption, parsedOption, positiveSeconds, secondsOrNoLimit } from './parsers.js';
import { untilSignal } from './signals.js';
import {
  startWebView,
  WEB_HELP,
  type WebFlags,
  type WebView,
  webHint,
  webOption,
  webPublicOption,
} from './webOptions.js';

export interface ProxyCliOptions extends FaultFlags, WebFlags {
  /** The dashboard's lesson pane (--lesson; key t) and teaching pace (--teaching-pace; key p). */
  lesson?: boolean;
  teachingPace?: boolean;
  upstream: string;
  listen: string;
  capture?: string;
  /** Also (or instead) write sessions as pcapng for Wireshark. */
  pcapng?: string;
  /** The options below are parsed and checked by commander (parsers.ts); `demo` passes its own. */
  format: LiveFormat;
  logFile?: string;
  /** One of LOG_LEVELS. */
  logLevel: string;
  /** Seconds. */
  connectTimeout: number;
  /** Seconds; 0 = no limit. Default DEFAULT_GREETING_TIMEOUT_MS. */
  greetingTimeout?: number;
  color?: boolean;
  quiet?: boolean;
  /** --ui / --no-ui: the dashboard (default: when stdout is a terminal and the format is text). */
  ui?: boolean;
  listenTls?: boolean;
  upstreamTls?: boolean;
  upstreamCa?: string;
  insecureUpstream?: boolean;
  stls?: StlsMode;
}

/** What the live output on stdout can be. */
export const LIVE_FORMATS = ['text', 'json'] as const;
export type LiveFormat = (typeof LIVE_FORMATS)[number];
const STLS_MODES: readonly StlsMode[] = ['intercept', 'passthrough', 'strip'];

export interface StartedProxy {
  readonly proxy: ProxyServer;
  readonly listen: HostPort;
  readonly logger: Logger;
  /** What this run injects (--fault, --faults), or null. */
  readonly plan: FaultPlan | null;
}

/** Builds the sinks and starts the proxy; shared with `demo`. */
export async function startProxy(o: ProxyCliOptions, extraSinks: ProxySink[] = []): Promise<StartedProxy> {
  const upstream = parseHostPort(o.upstream, '--upstream');
  const listen = parseHostPort(o.listen, '--listen', '127.0.0.1');
  const greetingTimeout = o.greetingTimeout ?? DEFAULT_GREETING_TIMEOUT_MS / 1000;
  const logger = openLogger(o);
  const sinks: ProxySink[] = [logSink(logger), ...extraSinks];
  if (!o.quiet)
    sinks.push(
      liveSink({
        format: o.format,
        colour: o.format === 'text' && wantColour(o.color, process.stdout),
      }),
    );
  const plan = await faultPlan(o);
  let firstSessionNumber: number | undefined;
  if (o.capture) {
    const writer = await CaptureWriter.open(o.capture, {
      toolVersion: VERSION,
      // What this run injects is recorded in its header: the capture says exactly what the client was given.
      ...(plan ? { faults: { seed: plan.seed, rules: plan.rules.map((r) => r.text) } } : {}),
      onError: (error) => {
        logger.error({ err: error.message }, 'capture write failed; still relaying mail');
        process.stderr.write(`pop3scope: ${error.message}; still relaying mail, the capture is incomplete\n`);
      },
    }).catch((error: unknown) => {
      throw error instanceof CaptureError ? new CliError(error.message) : error;
    });
    sinks.push(captureSink(writer));
    // Session ids must stay unique within the file: continue its numbering.
    firstSessionNumber = writer.nextSessionNumber;
  }
  if (o.pcapng) {
    const path = o.pcapng;
    const onError = (message: string) => {
      logger.error({ err: message }, 'pcapng write failed; still relaying mail');
      process.stderr.write(`pop3scope: ${message}; still relaying mail, the pcapng file is incomplete\n`);
    };
    try {
      sinks.push(pcapngSink(path, onError));
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  }
  if (!isLoopback(listen.host)) {
    process.stderr.write(
      `pop3scope: warning: listening on ${showHostPort(listen)}, which other machines may reach; passwords pass through this proxy\n`,
    );
  }
  const tls = await tlsOptions(o);
  const proxy = await ProxyServer.start({
    listen,
    upstream,
    sinks,
    tls,
    connectTimeoutMs: o.connectTimeout * 1000,
    greetingTimeoutMs: greetingTimeout * 1000,
    firstSessionNumber,
    ...(plan ? { faults: injectorFactory(plan) } : {}),
    onSinkError: (error) => logger.error({ err: String(error) }, 'a sink failed; the relay goes on'),
  }).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`cannot listen on ${showHostPort(listen)}: ${error.code ?? error.message}`);
  });
  return { proxy, listen: proxy.address(), logger, plan };
}

/** The logger of --log-file / --log-level; a log file that cannot be written is a usage error (exit 2). */
function openLogger(o: ProxyCliOptions): Logger {
  try {
    return createLogger({ file: o.logFile, level: o.logLevel, colour: o.color });
  } catch (error) {
    throw error instanceof LogFileError ? new CliError(`--log-file: ${error.message}`) : error;
  }
}

/** Turns the TLS flags into proxy options: the CA when a leaf is needed, the upstream CA file, the key log. */
async function tlsOptions(o: ProxyCliOptions): Promise<ProxyTlsOptions> {
  const stls = o.stls ?? 'intercept';
  if (stls === 'strip') {
    process.stderr.write(
      'pop3scope: WARNING: --stls strip hides STLS from clients and refuses it, so passwords cross the network in cleartext; use it only to debug, on a network you trust\n',
    );
  }
  // The CA is loaded (or created, once) only when a session first needs a certificate; --listen-tls needs
  // one for every session, so it is loaded now and a broken CA is reported before anything listens.
  let loaded: Promise<LeafIssuer> | null = null;
  const ca = () => {
    // In a thread of its own, started on first use: the X.509 library is big, most proxies never make a
    // certificate, and in the relay's heap it made V8 mark that heap over and over (tls/caWorker.ts).
    loaded ??= import('../tls/caWorker.js').then(({ caInWorker }) => caInWorker());
    return loaded;
  };
  if (o.listenTls) {
    await ca().catch((error: Error) => {
      throw new CliError(`cannot load or create pop3scope's CA in ${caFiles().dir}: ${error.message}`);
    });
  }
  let upstreamCa: string | undefined;
  if (o.upstreamCa) {
    try {
      upstreamCa = await readFile(o.upstreamCa, 'utf8');
    } catch (error) {
      throw new CliError(
        `cannot read --upstream-ca ${o.upstreamCa}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      );
    }
  }
  const keylogFile = process.env.SSLKEYLOGFILE;
  const keylog = keylogFile
    ? (line: Buffer) => void appendFile(keylogFile, line, { mode: 0o600 }).catch(() => {})
    : undefined;
  return {
    listenTls: Boolean(o.listenTls),
    upstreamTls: Boolean(o.upstreamTls),
    stls,
    ca,
    upstreamCa,
    insecureUpstream: Boolean(o.insecureUpstream),
    keylog,
  };
}

/** What the start line says is being recorded, or null. */
function recording(o: ProxyCliOptions): string | null {
  const what = [
    o.capture ? `recording to ${o.capture}` : null,
    o.pcapng ? `writing pcapng to ${o.pcapng}` : null,
  ].filter((x) => x !== null);
  return what.length > 0 ? what.join(', ') : null;
}

export function addProxyOptions(command: Command, defaults: { listen: string }): Command {
  return command
    .option('-l, --listen <addr:port>', 'where clients connect', defaults.listen)
    .option(
      '-c, --capture <file>',
      'record sessions to this capture file (created mode 0600, appended to if it exists)',
    )
    .option(
      '--pcapng <file>',
      'also write sessions as pcapng for Wireshark, passwords redacted (mode 0600, appended as a new section)',
    )
    .addOption(choiceOption('-f, --format <format>', 'live output on stdout', LIVE_FORMATS, 'text'))
    .option(
      '--log-file <file>',
      'write the JSON log here, created mode 0600 ("-" for stderr); default: stderr, pretty on a terminal',
    )
    .addOption(choiceOption('--log-level <level>', 'log level', LOG_LEVELS, 'warn'))
    .addOption(
      parsedOption(
        '--connect-timeout <seconds>',
        'how long to wait for the upstream server',
        positiveSeconds,
        10,
      ),
    )
    .addOption(
      parsedOption(
        '--greeting-timeout <seconds>',
        'how long a connected server may take to greet before pop3scope answers the client -ERR itself (0: no limit)',
        secondsOrNoLimit,
        DEFAULT_GREETING_TIMEOUT_MS / 1000,
      ),
    )
    .option('--color', 'colour the live transcript even when stdout is not a terminal')
    .option('--no-color', 'never colour the live transcript or the dashboard (NO_COLOR=1 too)')
    .option('-q, --quiet', 'print no live transcript (the capture and log still record everything)')
    .option('--ui', 'show the dashboard (the default when stdout is a terminal and --format is text)')
    .option('--no-ui', 'print the live transcript instead of the dashboard')
    .option('--lesson', 'show the lesson pane in the dashboard: each POP3 idea as a session shows it (key t)')
    .option('--teaching-pace', 'dashboard: while following, one transaction explained every 3 s (key p)')
    .option('--listen-tls', "offer implicit TLS to clients (POP3S) with a certificate from pop3scope's CA")
    .option('--upstream-tls', 'connect to the upstream with implicit TLS (POP3S), verifying its certificate')
    .option(
      '--upstream-ca <file>',
      "trust this CA file for the upstream's certificate instead of the system's",
    )
    .option('--insecure-upstream', "do not verify the upstream's certificate (said in every session)")
    .addOption(
      choiceOption(
        '--stls <mode>',
        'STLS: intercept (see inside), passthrough (relay TLS untouched), strip (keep cleartext; debugging only)',
        STLS_MODES,
        'intercept',
      ),
    );
}

export function registerProxy(program: Command): void {
  const command = program
    .command('proxy')
    .description('relay POP3 between a client and a server, showing and recording annotated transactions')
    .requiredOption('-u, --upstream <host:port>', 'the real POP3 server');
  addFaultOptions(addProxyOptions(command, { listen: `127.0.0.1:${DEFAULT_PROXY_PORT}` }))
    .addOption(webOption())
    .addOption(webPublicOption())
    .addHelpText(
      'after',
      `
Point your mail client at the --listen address instead of the server. Every byte is relayed untouched;
passwords, APOP digests and SASL secrets are redacted in everything pop3scope shows, logs or records.

Examples:
  pop3scope proxy --upstream mail.example.org:110
  pop3scope proxy --upstream 127.0.0.1:110 --capture session.jsonl
  pop3scope proxy --upstream 127.0.0.1:110 --pcapng live.pcapng    (open it in Wireshark afterwards)
  pop3scope proxy --upstream 127.0.0.1:2110 --fault 'RETR #1 cut 400' --fault 'DELE err [IN-USE] busy'
  pop3scope proxy --upstream 127.0.0.1:110 --format json | jq 'select(.type=="summary")'
  pop3scope proxy --upstream 127.0.0.1:110 --web            (a sequence diagram per session in the browser)
  pop3scope proxy --upstream 127.0.0.1:110 --log-file proxy.log --log-level info
  pop3scope proxy --upstream mail.example.org:995 --upstream-tls --listen 127.0.0.1:1995 --listen-tls
  pop3scope proxy --upstream mail.example.org:110            (STLS is intercepted: pop3scope ca show)
  SSLKEYLOGFILE=keys.log pop3scope proxy ...                 (so Wireshark can decrypt the same traffic)

Stop with Ctrl-C: sessions in flight get a short grace period, captures and logs are flushed.
A second Ctrl-C exits at once.
${WEB_HELP}`,
    )
    .action(async (o: ProxyCliOptions) => {
      const web = await startWebView(o, { title: webTitle(o) });
      if (wantsDashboard({ ui: o.ui ?? (o.quiet ? false : undefined), format: o.format }))
        return proxyWithDashboard(o, web);
      const { proxy, listen, logger, plan } = await startProxy(o, web ? [web.feed] : []).catch(
        async (error: unknown) => {
          await web?.stop();
          throw error;
        },
      );
      const where = recording(o) ?? 'not recording (add --capture FILE)';
      process.stderr.write(
        `pop3scope proxy: listening on ${showHostPort(listen)}, forwarding to ${o.upstream}, ${where}${plan ? `, ${faultsLine(plan)}` : ''}\n`,
      );
      logger.info(
        {
          listen: showHostPort(listen),
          upstream: o.upstream,
          capture: o.capture ?? null,
          ...(plan ? { faults: { seed: plan.seed, rules: plan.rules.map((r) => r.text) } } : {}),
        },
        'proxy started',
      );
      await untilSignal();
      process.stderr.write('pop3scope proxy: stopping (Ctrl-C again to exit at once)\n');
      await proxy.stop(2000);
      await web?.stop();
      logger.info('proxy stopped');
    });
}

/** The web page's title: what is proxied to where. */
function webTitle(o: ProxyCliOptions): string {
  return `pop3scope live — proxy ${o.listen} → ${o.upstream}`;
}

/**
 * `proxy` with the dashboard: no live text on stdout, logs to --log-file or nowhere (never over the screen),
 * and `q` (or Ctrl-C) stops the proxy cleanly before the terminal is given back.
 */
async function proxyWithDashboard(o: ProxyCliOptions, web: WebView | null): Promise<void> {
  const logging = dashboardLogging(o.logFile, o.logLevel);
  const dashboard = await liveDashboard({
    capture: o.capture ?? null,
    logs: logging.note,
    hint: webHint(web, `clients connect to ${o.listen}, relayed to ${o.upstream}`),
    colour: wantColour(o.color, process.stdout),
    lesson: Boolean(o.lesson),
    paceMs: o.teachingPace ? TEACHING_PACE_MS : null,
  });
  const { proxy, listen, logger, plan } = await startProxy(
    { ...o, quiet: true, logLevel: logging.logLevel },
    [dashboard, ...(web ? [web.feed] : [])],
  ).catch(async (error: unknown) => {
    await web?.stop();
    throw error;
  });
  process.stderr.write(
    `pop3scope proxy: listening on ${showHostPort(listen)}, forwarding to ${o.upstream}${recording(o) ? `, ${recording(o)}` : ''}${plan ? `, ${faultsLine(plan)}` : ''}\n`,
  );
  logger.info(
    { listen: showHostPort(listen), upstream: o.upstream, capture: o.capture ?? null },
    'proxy started',
  );
  // The bound address (a --listen port 0 is known only now): how to connect stays on screen.
  dashboard.dispatch({ type: 'connect', connect: { host: listen.host, port: listen.port } });
  await runDashboard(dashboard, {
    signal: untilSignal(),
    stop: async () => {
      await proxy.stop(2000);
      await web?.stop();
    },
  });
  logger.info('proxy stopped');
}
