/**
 * The secrets search of the proxy process tests: the demo accounts' passwords in every form a POP3 session can
 * carry them (clear, base64, AUTH PLAIN, and the APOP and CRAM-MD5 digests of the timestamps and challenges a
 * capture shows), looked for in everything a proxy wrote.
 */
import { createHash, createHmac } from 'node:crypto';
import { statSync } from 'node:fs';
import { expect } from 'vitest';
import { type ProxyProcess, parseJsonLines, readText } from './proxyProcess.js';

export interface Needle {
  readonly what: string;
  readonly text: string;
}

export const DEMO_ACCOUNTS = [
  { user: 'bob', password: 'hungry' },
  { user: 'alice', password: 'wonderland' },
] as const;

const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');

/**
 * Everything secret that the demo accounts' logins can put on the wire: the passwords, their base64 forms (AUTH
 * LOGIN; the trailing padding cut, so a base64 stream containing them at any alignment-0 offset is caught), the
 * AUTH PLAIN blobs, and — computed from the greetings and CRAM-MD5 challenges found in `captureTexts` — every
 * APOP digest and CRAM-MD5 response (hex and base64) either account could have sent.
 */
export function secretNeedles(captureTexts: readonly string[]): {
  needles: Needle[];
  apop: number;
  cram: number;
} {
  const needles: Needle[] = [];
  const timestamps = new Set<string>();
  const challenges = new Set<string>();
  for (const text of captureTexts) {
    for (const r of parseJsonLines(text)) {
      if (r.type !== 'data' || r.dir !== 's2c' || typeof r.text !== 'string') continue;
      for (const m of r.text.matchAll(/^\+OK [^\r\n]*?(<[^<>\s]+@[^<>\s]+>)/gm)) timestamps.add(m[1]!);
      for (const m of r.text.matchAll(/^\+ ([A-Za-z0-9+/=]+)\r?$/gm)) {
        const decoded = Buffer.from(m[1]!, 'base64').toString('latin1');
        if (/^<[^<>]+>$/.test(decoded)) challenges.add(decoded);
      }
    }
  }
  for (const { user, password } of DEMO_ACCOUNTS) {
    needles.push({ what: `${user}'s password`, text: password });
    needles.push({ what: `${user}'s password in base64`, text: b64(password).replace(/=+$/, '') });
    needles.push({ what: `${user}'s AUTH PLAIN blob`, text: b64(`\0${user}\0${password}`) });
    for (const ts of timestamps) {
      const digest = createHash('md5')
        .update(ts + password)
        .digest('hex');
      needles.push({ what: `${user}'s APOP digest for ${ts}`, text: digest });
    }
    for (const ch of challenges) {
      const digest = createHmac('md5', password).update(ch).digest('hex');
      needles.push({ what: `${user}'s CRAM-MD5 digest for ${ch}`, text: digest });
      needles.push({ what: `${user}'s CRAM-MD5 response for ${ch}`, text: b64(`${user} ${digest}`) });
    }
  }
  return { needles, apop: timestamps.size, cram: challenges.size };
}

/** The needles found in `haystack` (case-sensitive; hex digests are also looked for in upper case). */
export function secretsIn(haystack: string, needles: readonly Needle[]): string[] {
  return needles
    .filter(
      (n) =>
        haystack.includes(n.text) ||
        (/^[0-9a-f]{32}$/.test(n.text) && haystack.includes(n.text.toUpperCase())),
    )
    .map((n) => `${n.what} (${n.text})`);
}

/**
 * Every place each proxy wrote (capture, debug log, stdout, stderr) is free of every needle; the debug log was
 * written (an empty log would prove nothing) and the capture is private (0600).
 */
export function expectNoSecretsFrom(proxies: readonly ProxyProcess[], needles: readonly Needle[]): void {
  for (const px of proxies) {
    const places = {
      capture: readText(px.capturePath),
      log: readText(px.logPath),
      stdout: px.stdout(),
      stderr: px.stderr(),
    };
    expect(places.log.length, 'the debug log was written').toBeGreaterThan(0);
    for (const [where, text] of Object.entries(places)) {
      expect(secretsIn(text, needles), `${where} of the proxy on ${px.port}`).toEqual([]);
    }
    expect(statSync(px.capturePath).mode & 0o777).toBe(0o600);
  }
}
