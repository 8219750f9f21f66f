/**
 * `--web [ADDR:PORT]` and `--web-public`, shared by proxy, demo and replay: the live sequence-diagram page
 * (web/server.ts) beside whatever else the command shows. Loopback by default, on a port the OS picks: the URL
 * carries a new token every run anyway, so a fixed port would buy nothing and could clash with a second
 * pop3scope. Anything that other machines may reach needs --web-public, and is said on stderr.
 */
import { Option } from 'commander';
import type { ReplaySink } from '../events.js';
import type { RecordFeed } from '../web/feed.js';
import { type HostPort, isLoopback, parseHostPort, showHostPort } from './address.js';
import { CliError } from './errors.js';

export interface WebFlags {
  /** true: --web alone (loopback, a port the OS picks); a string: --web ADDR:PORT, checked already. */
  web?: string | true;
  webPublic?: boolean;
}

/** Where --web alone listens. */
export const DEFAULT_WEB_LISTEN = '127.0.0.1:0';

/** --web's value: HOST:PORT or :PORT (loopback), refused in one line — a capture eaten by --web says so. */
export function parseWebAddress(text: string): HostPort {
  if (!text.includes(':'))
    throw new CliError(
      `--web takes ADDR:PORT (for example 127.0.0.1:8110 or :8110), not "${text}"; put --web after the other arguments, or write --web=ADDR:PORT`,
    );
  return parseHostPort(text, '--web', '127.0.0.1');
}

/** --web [ADDR:PORT]: its value is checked while the command line is read (one line, exit 2). */
export function webOption(): Option {
  return new Option(
    '--web [addr:port]',
    'also serve the live sequence-diagram page (default: 127.0.0.1, a port the OS picks); its URL, with a token, is printed at start',
  ).argParser((text: string) => {
    parseWebAddress(text);
    return text;
  });
}

export function webPublicOption(): Option {
  return new Option(
    '--web-public',
    'let --web listen on an address other machines can reach (anyone with the URL sees every session)',
  );
}

/** The help lines every command with --web shows. */
export const WEB_HELP = `
Web view (--web): open the URL printed at start in a browser; sessions appear as they happen, one arrow per
command and response. Only loopback unless --web-public; the token in the URL is the key (keep it private).
  --web                    127.0.0.1, a free port the OS picks
  --web 127.0.0.1:8110     a fixed port (write --web=ADDR:PORT before a positional argument)
  --web 0.0.0.0:8110 --web-public     a classroom's browsers (a warning is printed)`;

export interface WebView {
  /** The sink: give it to the proxy (ProxySink) or the replay (withWebFeed). */
  readonly feed: RecordFeed;
  readonly url: string;
  /** Ends the page's streams ('ended' in the page) and closes the server. */
  stop(): Promise<void>;
}

/**
 * Starts the web view when --web was given (null otherwise) and prints its URL on stderr: one line,
 * `pop3scope: web view at http://127.0.0.1:PORT/?t=…`. Call it before the proxy starts, so a port in use
 * stops the command before anything else listens.
 */
export async function startWebView(
  flags: WebFlags,
  o: { title: string; steps?: boolean },
): Promise<WebView | null> {
  if (flags.web === undefined) {
    if (flags.webPublic) throw new CliError('--web-public needs --web ADDR:PORT');
    return null;
  }
  const listen = flags.web === true ? parseHostPort(DEFAULT_WEB_LISTEN, '--web') : parseWebAddress(flags.web);
  if (!isLoopback(listen.host) && !flags.webPublic)
    throw new CliError(
      `--web ${showHostPort(listen)}: other machines may reach that address and see every session; add --web-public if that is what you want`,
    );
  // The web view's modules load only when --web is given: node:http and the page builder would otherwise add
  // up to ~300 KiB to every proxy's heap at start (docs/ARCHITECTURE.md, on-demand modules).
  const [{ recordMaker }, { RecordFeed }, { PageBundleError, pageBundle, pageHtml }, { WebServer }] =
    await Promise.all([
      import('../render/wireBytes.js'),
      import('../web/feed.js'),
      import('../web/html.js'),
      import('../web/server.js'),
    ]);
  // The page is built from the bundle: a tree where it was never built says so before anything listens.
  try {
    pageBundle();
  } catch (error) {
    if (error instanceof PageBundleError) throw new CliError(`--web: ${error.message}`);
    throw error;
  }
  // The page's records carry the exact bytes of each arrow (shown when one is clicked).
  const feed = new RecordFeed({ toRecord: recordMaker(), withData: true });
  const server = await WebServer.start({
    host: listen.host,
    port: listen.port,
    feed,
    page: pageHtml,
    title: o.title,
    steps: o.steps,
  }).catch(async (error: NodeJS.ErrnoException) => {
    await feed.end(0);
    throw new CliError(`--web: cannot listen on ${showHostPort(listen)}: ${error.code ?? error.message}`);
  });
  if (!isLoopback(listen.host))
    process.stderr.write(
      `pop3scope: warning: the web view listens on ${showHostPort(server.address())}, which other machines may reach; anyone with its URL sees every session (passwords stay redacted)\n`,
    );
  const url = server.url();
  process.stderr.write(`pop3scope: web view at ${url}\n`);
  return { feed, url, stop: () => server.stop() };
}

/**
 * The dashboard's hint while no session is listed: with --web, the page's URL alone (the connect lines say how
 * to connect already, and a longer hint would clip the token off on an 80-column terminal, leaving a URL that
 * is refused); without, `otherwise`.
 */
export function webHint(web: Pick<WebView, 'url'> | null, otherwise: string): string {
  return web ? web.url : otherwise;
}

/**
 * A replay's sink that also feeds the web view. The replay's own sink comes first (a promise it returns is the
 * replay's pace) and stays synchronous when it is (the dashboard): the feed's hook only queues.
 */
export function withWebFeed(sink: ReplaySink, web: WebView | null): ReplaySink {
  if (!web) return sink;
  const feed = web.feed;
  return {
    open: (s) => sink.open?.(s),
    close: (end) => sink.close?.(end),
    event(e) {
      const done = sink.event?.(e);
      if (done instanceof Promise) return done.then(() => feed.event(e));
      feed.event(e);
    },
  };
}
