/**
 * What the Node side tells the browser page (issue #16): the page is one bundle for the report file and the
 * live view, configured by a JSON script element `<script type="application/json" id="pop3scope-config">`.
 * Browser code: imports no Node module (test/architecture).
 */
import type { JsonRecord } from '../../render/json.js';

export interface PageConfig {
  /** report: the records are embedded in the file; live: they arrive over Server-Sent Events. */
  readonly mode: 'report' | 'live';
  /** The page title ("pop3scope report", "pop3scope live — proxy 127.0.0.1:1110 → …"). */
  readonly title: string;
  /** live only: where the EventSource connects (relative URL carrying the token, e.g. "events?t=…"). */
  readonly eventsUrl?: string;
  /** Show the step controls (replay --web: next/previous/play through the arrows). */
  readonly steps?: boolean;
  /** Start in the large-font (projector) mode; the page also has a toggle and reads ?large=1. */
  readonly large?: boolean;
  /** The report was written with --with-bodies: transaction records may carry whole bodies in `bytes`. */
  readonly withBodies?: boolean;
}

/**
 * Where the page's records come from. The report reads the script elements embedded in the file (H2:
 * embeddedSource.ts); the live view an EventSource (H3: liveSource.ts). `onRecords` may be called many times,
 * each with records in the order they happened; sessions interleave.
 */
export interface RecordSource {
  start(onRecords: (records: readonly JsonRecord[]) => void, onStatus?: (status: SourceStatus) => void): void;
}

/** What the live feed is doing, shown in the page's header. */
export type SourceStatus = 'connecting' | 'live' | 'reconnecting' | 'ended';
