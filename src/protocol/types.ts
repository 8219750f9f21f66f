/** The typed output of the protocol engine. Everything here is already redacted. */
import type { CommandSpec, Phase } from './commands.js';
import type { Status } from './response.js';
import type { Violation } from './violations.js';

export type { Phase } from './commands.js';
export type Direction = 'c2s' | 's2c';

export interface CommandInfo {
  /** The verb in upper case ('' for an empty line). */
  readonly verb: string;
  /** Arguments as shown: secrets replaced by a `<redacted N octets>` descriptor. */
  readonly args: readonly string[];
  /** The whole line as shown, secrets replaced. */
  readonly line: string;
  /** Octets on the wire, line ending included. */
  readonly octets: number;
  readonly at: number;
  /** Sent while an earlier command still waited for its response (RFC 2449 §6.6). */
  readonly pipelined: boolean;
}

export interface SaslStepInfo {
  readonly from: 'client' | 'server';
  readonly text: string;
  readonly at: number;
}

export interface SaslInfo {
  readonly mechanism: string;
  readonly steps: SaslStepInfo[];
  outcome: 'success' | 'failure' | 'cancelled' | null;
  /** The user name the exchange revealed (never a password). */
  user?: string;
  /** The security layer the client asked for (DIGEST-MD5 qop=auth-int or auth-conf), if any. */
  layer?: string;
}

export interface ResponseInfo {
  status: Status | null;
  code: string | null;
  text: string;
  multiline: boolean;
  /** Unstuffed body octets with CRLF endings, terminator excluded (what LIST promises, RFC 1939 §11). */
  bodyOctets: number;
  bodyLines: number;
  /** True once the whole response arrived. */
  complete: boolean;
  /** When the first byte of the response arrived, or null when none did. */
  at: number | null;
  /** For RETR/TOP: the first bytes of the body as received (stuffing included). */
  preview?: Buffer;
  /** For TOP: header lines before the first empty line (-1: none seen). */
  headerLines?: number;
  /** For listings (LIST, UIDL, CAPA, ...): the unstuffed lines, up to a limit. */
  listing?: string[];
  /** For RETR/TOP, when digests were asked for: SHA-256 of the body on the wire. */
  digest?: string;
}

/**
 * Where a transaction sits in each direction's byte stream (offsets from the start of the session; -1 when
 * unknown). Replay uses them to cut the recorded server bytes into per-command responses.
 */
export interface WireSpan {
  c2sStart: number;
  c2sEnd: number;
  s2cStart: number;
  s2cEnd: number;
}

export interface RawTransaction {
  /** 0 is the greeting; commands count from 1. */
  readonly seq: number;
  /** The phase in which the server processed the command. */
  phase: Phase;
  readonly command: CommandInfo | null;
  /** The command's table entry, when the verb is known. */
  readonly spec?: CommandSpec;
  readonly response: ResponseInfo;
  readonly wire: WireSpan;
  sasl?: SaslInfo;
  readonly violations: Violation[];
  readonly startedAt: number;
  endedAt: number;
}

/** What the client's handshake with pop3scope showed (--listen-tls, or STLS intercepted). */
export interface ClientTlsFacts {
  version: string | null;
  cipher: string | null;
  /** The server name the client asked for, or null. */
  sni: string | null;
}

/** What pop3scope's handshake with the server showed; the certificate fields when the server sent one. */
export interface UpstreamTlsFacts {
  version: string | null;
  cipher: string | null;
  subject?: string | null;
  issuer?: string | null;
  validFrom?: string;
  validTo?: string;
  verified: boolean;
  verifyError: string | null;
}

/** The handshake facts a tls record carries besides how and visibility (proxy/tls.ts tlsFacts). */
export interface TlsFacts {
  client?: ClientTlsFacts;
  upstream?: UpstreamTlsFacts;
  /** --insecure-upstream: the server's certificate was not required to verify. */
  insecureUpstream?: boolean;
}

export interface TlsInfo extends TlsFacts {
  /** How TLS began: implicitly on connect, or by STLS. */
  readonly how: 'implicit' | 'stls';
  /** Whether pop3scope sees the decrypted stream, or only counts opaque bytes. */
  readonly visibility: 'decrypted' | 'opaque';
}

export type ProtocolEvent =
  /** A received chunk with its secrets masked, boundaries and timestamp as received. */
  | { readonly type: 'data'; readonly dir: Direction; readonly t: number; readonly bytes: Buffer }
  /** A command line was parsed; its transaction completes later. */
  | { readonly type: 'command'; readonly seq: number; readonly command: CommandInfo }
  | { readonly type: 'transaction'; readonly tx: RawTransaction }
  | {
      readonly type: 'phase';
      readonly from: Phase | null;
      readonly to: Phase;
      readonly at: number;
      readonly reason: string;
    }
  /** A violation that belongs to no transaction. */
  | { readonly type: 'violation'; readonly t: number; readonly violation: Violation }
  | { readonly type: 'tls'; readonly t: number; readonly info: TlsInfo };
