/**
 * Limits of the packet-capture (pcap/pcapng) readers and writers, each with the reason it exists. Every
 * helper appends its own constants here; none is reordered.
 */

/**
 * The longest pcap record or pcapng block the reader accepts, in bytes. tcpdump's default snap length is
 * 262144 and no link layer we read carries a frame near 16 MiB; a longer length is a corrupt or hostile file,
 * refused before it is accumulated (a block cut across chunks is held at most this big).
 */
export const MAX_PCAP_BLOCK = 16 * 1024 * 1024;

/**
 * The most interfaces (IDBs) one pcapng section may define. dumpcap writes one per captured interface and
 * mergecap one per merged file's interface; tens of thousands is far past both, and the cap keeps a file made
 * of millions of tiny IDBs from holding millions of interface descriptions.
 */
export const MAX_PCAP_INTERFACES = 65536;

// TLS (tls*.ts, keylog.ts)

/** At most this many bad key log lines are described (all are counted): enough for a one-time warning. */
export const KEYLOG_MAX_PROBLEMS = 10;

/** The longest TLSCiphertext fragment any TLS version allows: 2^14 + 2048 octets (RFC 5246 §6.2.3). */
export const TLS_RECORD_MAX_CIPHERTEXT = 16384 + 2048;

/**
 * The largest handshake message kept whole for parsing (hellos, Finished, KeyUpdate); real hellos are under
 * 16 KiB, and the messages that are not parsed (certificates) are counted past, never buffered.
 */
export const TLS_HANDSHAKE_MAX_KEPT = 65536;

/** Client records held while the ServerHello is awaited (0-RTT, odd capture order): a few records' worth. */
export const TLS_PENDING_MAX_BYTES = 4 * (16384 + 2048 + 5);

// TCP reassembly (reassembly.ts, reassemblyStream.ts)

/**
 * The most out-of-order bytes one direction of a connection holds while waiting for a hole to fill. Beyond it
 * the hole is declared a gap and the held bytes are delivered: a huge window or a segment the capture never
 * saw must not be held without end. 4 MiB is more than a loopback or LAN connection keeps in flight.
 */
export const MAX_HELD_PER_DIRECTION = 4 * 1024 * 1024;

/**
 * The most out-of-order bytes held by all connections together: many connections each just under their own
 * limit must not add up to gigabytes. Over it, a direction that adds held bytes is flushed (gap, delivered).
 */
export const MAX_HELD_TOTAL = 32 * 1024 * 1024;

/** The most held pieces per direction: a flood of one-byte segments ahead of a hole costs per piece, not per byte. */
export const MAX_HELD_PIECES_PER_DIRECTION = 4096;

/**
 * The most connections tracked at once. Beyond it the least recently active one is closed ('capture-end'):
 * a port scan or SYN flood in a trace must not grow the table without bound. POP3 traces have tens.
 */
export const MAX_TRACKED_CONNECTIONS = 16384;

/**
 * How many closed 4-tuples are remembered, so that the late ACKs and retransmissions that follow a close are
 * not taken for a new connection that started before the capture. Each costs a few dozen bytes.
 */
export const MAX_CLOSED_REMEMBERED = 65536;

/**
 * How many recently delivered segments per direction are kept (by reference, no copy) to compare a
 * retransmission of already-delivered bytes with the first copy (a conflict). Cleared when the peer
 * acknowledges them, so an idle connection keeps none.
 */
export const RECHECK_SEGMENTS = 8;

/**
 * An acknowledgement further ahead than this of what was captured is not believed (a corrupt or unrelated
 * segment): no TCP window is 1 GiB, and believing it would report a gap of gigabytes.
 */
export const MAX_ACK_AHEAD = 1024 * 1024 * 1024;

/**
 * A segment on a closed 4-tuple within this many sequence numbers of where the closed connection ended is a
 * late copy of it (ignored); further away, it belongs to a new connection whose SYN was not captured.
 */
export const LATE_SEGMENT_WINDOW = 16 * 1024 * 1024;

/**
 * Bytes held of a connection before pop3scope knows what to make of them: a connection on no POP3 port
 * waiting for the server's first bytes (the greeting test), or TLS waiting for the handshake to say whether
 * it can be decrypted. A POP3 client sends nothing before the greeting and a handshake is a few kilobytes,
 * so 64 KiB is generous and keeps a flood of undecided connections small.
 */
export const MAX_UNDECIDED_BYTES = 64 * 1024;

// pcapng writer (pcapngWriter.ts)

/**
 * The most notes one session holds for its next packet (a note made while everything is acknowledged waits,
 * since a zero-length ACK then would be a duplicate ACK). Beyond it they are written at once on such an ACK:
 * a capture of nothing but notes must not grow the writer's memory.
 */
export const MAX_PENDING_NOTES = 16;

/**
 * What all undecided connections hold together (MAX_UNDECIDED_BYTES each): client bytes waiting for a
 * greeting, ciphertext waiting for its handshake to say whether it can be decrypted. A trace of many chatty
 * connections must not hold gigabytes. Past it, a connection waiting for its greeting is taken as not POP3 (a
 * POP3 client sends nothing before the greeting, so no real session is lost), and held TLS is shown opaque.
 */
export const MAX_UNDECIDED_TOTAL = 16 * 1024 * 1024;
