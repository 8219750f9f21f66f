/**
 * The stable violation codes. A code, once published, never changes meaning: scripts and CI jobs match on it.
 * Each entry says how bad it is, which RFC section the rule comes from, and who is at fault.
 */

export type Severity = 'error' | 'warning' | 'info';

/**
 * Which peer broke the rule: the violation is data about them, never an exception in pop3scope. 'capture' is
 * neither peer: a packet trace that did not record everything.
 */
export type Culprit = 'client' | 'server' | 'either' | 'proxy' | 'capture';

export interface ViolationSpec {
  readonly severity: Severity;
  readonly rfc: string;
  readonly culprit: Culprit;
  /** One line a teacher could read aloud. */
  readonly title: string;
}

export const VIOLATIONS = {
  POP3_BAD_STATUS: {
    severity: 'error',
    rfc: 'RFC 1939 §3',
    culprit: 'server',
    title: 'a response must start with "+OK" or "-ERR" in upper case',
  },
  POP3_BARE_LINE_ENDING: {
    severity: 'warning',
    rfc: 'RFC 1939 §3',
    culprit: 'either',
    title: 'lines must end in CRLF; a bare LF or bare CR was seen',
  },
  POP3_COMMAND_TOO_LONG: {
    severity: 'warning',
    rfc: 'RFC 2449 §4',
    culprit: 'client',
    title: 'a command line must not exceed 255 octets including CRLF',
  },
  POP3_RESPONSE_TOO_LONG: {
    severity: 'warning',
    rfc: 'RFC 2449 §4',
    culprit: 'server',
    title: 'the first line of a response must not exceed 512 octets including CRLF',
  },
  POP3_LINE_OVERFLOW: {
    severity: 'error',
    rfc: 'RFC 1939 §3',
    culprit: 'either',
    title: 'a line grew past what pop3scope keeps; the rest was counted, not stored',
  },
  POP3_UNKNOWN_COMMAND: {
    severity: 'warning',
    rfc: 'RFC 1939 §3',
    culprit: 'client',
    title: 'the client sent a command POP3 does not define',
  },
  POP3_WRONG_STATE: {
    severity: 'warning',
    rfc: 'RFC 1939 §3',
    culprit: 'client',
    title: 'the command is not allowed in the current phase',
  },
  POP3_INVALID_ARGUMENT: {
    severity: 'warning',
    rfc: 'RFC 1939 §5',
    culprit: 'client',
    title: 'the command has missing, extra or malformed arguments',
  },
  POP3_PASS_WITHOUT_USER: {
    severity: 'warning',
    rfc: 'RFC 1939 §7',
    culprit: 'client',
    title: 'PASS must directly follow a successful USER',
  },
  POP3_MESSAGE_OUT_OF_RANGE: {
    severity: 'warning',
    rfc: 'RFC 1939 §5',
    culprit: 'either',
    title: 'the message number is outside the maildrop',
  },
  POP3_DELETED_MESSAGE: {
    severity: 'error',
    rfc: 'RFC 1939 §5',
    culprit: 'server',
    title: 'a message marked as deleted was accessed and the server answered +OK',
  },
  POP3_SIZE_MISMATCH: {
    severity: 'error',
    rfc: 'RFC 1939 §5, §11',
    culprit: 'server',
    title: 'the size the server announced differs from the octets of the message it sent',
  },
  POP3_STAT_MISMATCH: {
    severity: 'error',
    rfc: 'RFC 1939 §5',
    culprit: 'server',
    title: 'STAT disagrees with the LIST of the same maildrop',
  },
  POP3_TOP_TOO_LONG: {
    severity: 'error',
    rfc: 'RFC 1939 §7',
    culprit: 'server',
    title: 'TOP returned more body lines than asked for',
  },
  POP3_UIDL_INVALID: {
    severity: 'error',
    rfc: 'RFC 1939 §7',
    culprit: 'server',
    title: 'a UID must be 1 to 70 characters from 0x21 to 0x7E',
  },
  POP3_UIDL_DUPLICATE: {
    severity: 'error',
    rfc: 'RFC 1939 §7',
    culprit: 'server',
    title: 'two messages share one UID',
  },
  POP3_UNSTUFFED_DOT: {
    severity: 'warning',
    rfc: 'RFC 1939 §3',
    culprit: 'server',
    title:
      'a body line starts with a single dot: the server probably forgot to stuff it, and the client drops that dot',
  },
  POP3_MALFORMED_RESPONSE: {
    severity: 'warning',
    rfc: 'RFC 1939 §5',
    culprit: 'server',
    title: 'a response line does not have the form the command calls for',
  },
  POP3_UNEXPECTED_DATA: {
    severity: 'error',
    rfc: 'RFC 1939 §3',
    culprit: 'server',
    title: 'the server sent data when no command was waiting for a response',
  },
  POP3_STLS_INJECTION: {
    severity: 'error',
    rfc: 'RFC 2595 §4',
    culprit: 'either',
    title: 'cleartext bytes followed STLS or its +OK before TLS began (the STARTTLS injection class)',
  },
  POP3_SASL_SECURITY_LAYER: {
    severity: 'info',
    rfc: 'RFC 4422 §3.7',
    culprit: 'either',
    title:
      'the SASL exchange negotiated a security layer: what follows it is wrapped, and opaque to pop3scope',
  },
  POP3_TRUNCATED_RESPONSE: {
    severity: 'error',
    rfc: 'RFC 1939 §3',
    culprit: 'either',
    title: 'the connection closed before the response ended',
  },
  POP3_NO_RESPONSE: {
    severity: 'warning',
    rfc: 'RFC 1939 §3',
    culprit: 'either',
    title: 'the connection closed before the server answered the command',
  },
  POP3_PIPELINING_NOT_ADVERTISED: {
    severity: 'warning',
    rfc: 'RFC 2449 §6.6',
    culprit: 'client',
    title: 'the client pipelined commands but the server did not advertise PIPELINING',
  },
  POP3_PIPELINE_OVERFLOW: {
    severity: 'error',
    rfc: 'RFC 2449 §6.6',
    culprit: 'client',
    title: 'more commands wait for responses than pop3scope tracks; later pairing is unreliable',
  },
  POP3_SASL_BAD_BASE64: {
    severity: 'error',
    rfc: 'RFC 5034 §4',
    culprit: 'either',
    title: 'a SASL line is not valid base64',
  },
  POP3_SASL_CANCEL_ACCEPTED: {
    severity: 'error',
    rfc: 'RFC 5034 §4',
    culprit: 'server',
    title: 'the client cancelled AUTH with "*" and the server did not answer -ERR',
  },
  POP3_NO_UPDATE: {
    severity: 'warning',
    rfc: 'RFC 1939 §6',
    culprit: 'client',
    title:
      'messages were marked for deletion but the session ended without a successful QUIT, so none were removed',
  },
  POP3_STLS_STRIPPED: {
    severity: 'warning',
    rfc: 'RFC 2595 §4',
    culprit: 'proxy',
    title:
      'pop3scope --stls strip changed this session: STLS was hidden from CAPA or refused, so it stays in cleartext',
  },
  POP3_REPLAY_DIVERGENCE: {
    severity: 'error',
    // No RFC: the rule is pop3scope's own — a replayed client must send what the recorded client sent.
    rfc: 'docs/replay.md',
    culprit: 'client',
    title: 'the client did not follow the recording it was replayed against',
  },
  POP3_GREETING_REFUSED: {
    severity: 'info',
    rfc: 'RFC 1939 §4',
    culprit: 'server',
    title: 'the server greeted with -ERR and will not serve this session',
  },
  POP3_TLS_UNCLEAN_SHUTDOWN: {
    severity: 'warning',
    rfc: 'RFC 8446 §6.1',
    culprit: 'server',
    title: 'the server ended TLS without close_notify (a truncation cannot be told from a clean end)',
  },
  POP3_CAPTURE_GAP: {
    severity: 'warning',
    // No RFC: the capture writer had to drop data records (its memory bound), so part of the stream is missing.
    rfc: 'docs/capture-format.md',
    culprit: 'proxy',
    title:
      'the capture is missing data here: pop3scope could not write it fast enough, so what follows may be misread',
  },
  POP3_TRACE_GAP: {
    severity: 'warning',
    // No RFC: the packet capture (tcpdump, Wireshark) did not record part of the TCP stream.
    rfc: 'docs/pcap.md',
    culprit: 'capture',
    title: 'the packet capture is missing part of the stream here (packets not captured)',
  },
  POP3_TRACE_MIDSTREAM: {
    severity: 'info',
    rfc: 'docs/pcap.md',
    culprit: 'capture',
    title: 'the packet capture begins in the middle of this connection',
  },
  POP3_TRACE_CONFLICT: {
    severity: 'warning',
    rfc: 'docs/pcap.md',
    culprit: 'capture',
    title: 'a retransmitted TCP segment carried other bytes than the first copy; the first copy was kept',
  },
  POP3_TLS_NOT_DECRYPTED: {
    severity: 'info',
    rfc: 'docs/pcap.md',
    culprit: 'capture',
    title: 'the TLS in this capture was not decrypted, so only its handshake is shown',
  },
  POP3_CLIENT_DELETED_BROKEN: {
    severity: 'error',
    // No RFC: the finding fault injection exists for (docs/faults.md), about what the client did.
    rfc: 'docs/faults.md',
    culprit: 'client',
    title:
      'the client deleted a message whose retrieval it was given broken: its copy may be incomplete, and the server removes the original at QUIT',
  },
  POP3_CLIENT_ACCEPTED_UNTERMINATED: {
    severity: 'error',
    rfc: 'RFC 1939 §3',
    culprit: 'client',
    title:
      'the client went on before a multi-line answer had its final "." line: it took a truncated answer for complete',
  },
  POP3_CLIENT_NO_TIMEOUT: {
    severity: 'warning',
    rfc: 'docs/faults.md',
    culprit: 'client',
    title: 'the server went silent and the client never gave up: it has no timeout of its own',
  },
} as const satisfies Record<string, ViolationSpec>;

export type ViolationCode = keyof typeof VIOLATIONS;

/** A violation as it appears in transcripts, JSON and captures. */
export interface Violation {
  readonly code: ViolationCode;
  readonly severity: Severity;
  readonly rfc: string;
  readonly message: string;
}

/** Builds a violation from its code; the message says what exactly happened this time. */
export function violation(code: ViolationCode, detail?: string): Violation {
  const spec: ViolationSpec = VIOLATIONS[code];
  return {
    code,
    severity: spec.severity,
    rfc: spec.rfc,
    message: detail ? `${spec.title}: ${detail}` : spec.title,
  };
}
