/**
 * pop3scope as a library (README.md, "Use it from code"). Everything the `pop3scope` command does is built from
 * these parts: the sans-IO engine (bytes in, typed events out), capture files, the intercepting proxy, the
 * embedded POP3 server and the renderers. Anything not exported here is internal and may change.
 */
// biome-ignore-all assist/source/organizeImports: the exports are grouped by concern, each group documented

/**
 * The engine: one Inspector per session. Feed it each chunk with its direction ('c2s' from the client, 's2c'
 * from the server) and a timestamp (ms); it returns typed events: transactions (command + response, explained
 * and checked), phase changes, violations, TLS, and, after `close()`, exactly one summary. It does no I/O and
 * never throws on bad bytes. Secrets (PASS, APOP, SASL) are masked in everything it returns.
 */
export { Inspector, type SessionOpen } from './analysis/inspector.js';
export type {
  ClientMode,
  CommandInfo,
  Direction,
  EngineEvent,
  Phase,
  Response,
  SaslInfo,
  SessionSummary,
  TlsInfo,
  Transaction,
  Violation,
  ViolationCode,
  WireSpan,
} from './analysis/types.js';
export { type Severity, VIOLATIONS } from './protocol/violations.js';

/**
 * The contracts between what produces sessions (the proxy, a capture replay) and what consumes them: a sink
 * gets `open`, the session's events in order, then exactly one `close`. Write your own as a plain object.
 */
export type { ProxySink, ReplaySink, SessionEnd, SessionStart } from './events.js';

/**
 * Capture files (docs/capture-format.md): `analyzeCapture` yields a capture's engine events as `show` sees
 * them — of a pcap or pcapng trace too (docs/pcap.md; `trace: { ports, keylog }` in its options); `readCapture` streams its raw records and `CaptureAnalyzer` turns records into events one at a time;
 * `CaptureWriter` appends records (file mode 0600). Problems with a file are a CaptureError with a one-line
 * message.
 */
export { type AnalyzeCaptureOptions, analyzeCapture } from './capture/analyzeCapture.js';
export { CaptureAnalyzer } from './capture/analyze.js';
export {
  type AlterRecord,
  CAPTURE_FORMAT,
  CAPTURE_VERSION,
  type CaptureRecord,
  type CloseRecord,
  type DataRecord,
  type GapRecord,
  type HeaderRecord,
  type OpenRecord,
  type ProxyRecord,
  type TlsRecord,
} from './capture/format.js';
export { CaptureError, readCapture } from './capture/reader.js';
export { CaptureWriter, type CaptureWriterOptions } from './capture/writer.js';

/**
 * The intercepting proxy: `ProxyServer.start({ listen, upstream, sinks })` relays every byte between clients
 * and the upstream server and hands each session to the sinks. Ready-made sinks: the live transcript
 * (`liveSink`, text or JSON Lines), a capture file (`captureSink`) and a pino logger (`logSink`).
 */
export { DEFAULT_GREETING_TIMEOUT_MS } from './proxy/limits.js';
export { type ProxyOptions, ProxyServer } from './proxy/server.js';
export { captureSink } from './proxy/sinks/capture.js';
export { type LiveOptions, liveSink } from './proxy/sinks/live.js';
export { logSink } from './proxy/sinks/log.js';
export type { ProxyTlsOptions, StlsMode } from './proxy/tls.js';

/**
 * The embedded POP3 server (`pop3scope serve`): `startServer()` serves the demo maildrops on a free loopback
 * port; give it a MemoryStore or a MaildirStore (user name → password) to serve your own mail.
 */
export {
  type RunningServer,
  type ServerOptions,
  type ServerTls,
  startServer,
  type TlsMode as ServerTlsMode,
} from './server/server.js';
export type { DemoUser } from './server/demoMailbox.js';
export { MaildirStore } from './server/maildirStore.js';
export { MemoryStore } from './server/memoryStore.js';
export type { Maildrop, MailStore, MessageInfo } from './server/store.js';

/**
 * Renderers, from engine events: the annotated text transcript (`TranscriptPrinter`, line by line as `show`
 * prints it; `styleFor(true)` colours it), the JSON Lines records of `--format json` (docs/json-output.md) and
 * the Markdown bug report.
 */
export { summaryLines, type TextOptions, TranscriptPrinter, transactionLines } from './render/text.js';
export { type Style, styleFor } from './render/style.js';
export { JSON_VERSION, type JsonCheckRecord, type JsonRecord, jsonLine, jsonRecord } from './render/json.js';
export { markdownReport, type SessionReport } from './render/markdown.js';

/** The version of this package (what CaptureWriter's `toolVersion` records when it is pop3scope's own). */
export { VERSION } from './version.js';
