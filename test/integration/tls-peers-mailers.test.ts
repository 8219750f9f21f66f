/** fetchmail and mpop through the REAL `pop3scope proxy` with STLS against a real Dovecot (set-up: tlsPeers.ts). */
import { existsSync } from 'node:fs';
import { beforeAll, expect } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { mpop } from '../helpers/clients.js';
import { describeWithPeers, itWithPeers } from '../helpers/peers.js';
import { type ProxyProcess, summaryOf, transactions, withVerb } from '../helpers/proxyProcess.js';
import { fetchmailStlsCramMd5 } from '../helpers/tlsFixtures.js';
import { bob, CA_PATH, cert, dc, expectTlsFacts, proxy, secretsSuite, useTlsPeers } from './tlsPeers.js';

useTlsPeers();

describeWithPeers(['dovecot', 'openssl'], 'fetchmail and mpop through the proxy with STLS', () => {
  let stls: ProxyProcess;
  beforeAll(async () => {
    if (!existsSync(CA_PATH)) runCli(['ca', 'init']);
    stls = await proxy(dc.port, ['--upstream-ca', cert.certFile]);
  });

  /** The messages in an mbox, without From_ lines and fetchmail's Received header, LF line endings. */
  const bodies = (mbox: string) =>
    mbox
      .split(/^From .*\n/m)
      .filter(Boolean)
      .map((m) => m.replace(/^Received: .*\n(?:[ \t].*\n)*/gm, ''));

  itWithPeers(
    ['fetchmail'],
    'fetchmail upgrades with STLS (verifying pop3scope’s leaf) and logs in with CRAM-MD5; bodies identical',
    async () => {
      const account = { user: 'bob', password: 'hungry' } as const;
      const direct = await fetchmailStlsCramMd5({ ...account, port: dc.port, caFile: cert.certFile });
      expect(direct.code, direct.stdout + direct.stderr).toBe(0);
      const mark = stls.mark();
      const r = await fetchmailStlsCramMd5({ ...account, port: stls.port, caFile: CA_PATH });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.mbox.match(/^Subject: /gm)).toHaveLength(2);
      const live = await stls.next(mark);
      const verbs = transactions(live).map((t) => t.command?.verb ?? null);
      expect(verbs.indexOf('STLS')).toBeGreaterThan(0);
      expect(verbs.indexOf('AUTH')).toBeGreaterThan(verbs.indexOf('STLS'));
      expect(withVerb(live, 'AUTH')[0]!.sasl).toMatchObject({ mechanism: 'CRAM-MD5', outcome: 'success' });
      expect(withVerb(live, 'RETR').map((t) => t.response.bodyOctets)).toEqual([498, 912]);
      expect(summaryOf(live)).toMatchObject({
        user: 'bob',
        auth: 'SASL CRAM-MD5',
        tls: 'stls',
        retrieved: [1, 2],
      });
      expect(bodies(r.mbox)).toEqual(bodies(direct.mbox));
      // fetchmail hands each message to the MDA with LF line endings, after its own Received header.
      for (const m of bob.messages) expect(r.mbox).toContain(m.toString('utf8').replace(/\r\n/g, '\n'));
      // fetchmail sends its sslcommonname as SNI.
      await expectTlsFacts(stls, live, 'stls', 'localhost');
    },
  );

  itWithPeers(
    ['mpop'],
    'mpop with tls_starttls on: both messages, bodies identical, decrypted and redacted',
    async () => {
      const account = { host: '127.0.0.1', user: 'bob', password: 'hungry', keep: true } as const;
      const direct = await mpop({ ...account, port: dc.port, tls: { mode: 'stls', caFile: cert.certFile } });
      expect(direct.code, direct.code === 0 ? '' : `${direct.stdout}\n${direct.stderr}`).toBe(0);
      const mark = stls.mark();
      const r = await mpop({ ...account, port: stls.port, tls: { mode: 'stls', caFile: CA_PATH } });
      // mpop --debug prints the password: its output only on failure.
      expect(r.code, r.code === 0 ? '' : `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.mbox.match(/^From MAILER-DAEMON /gm)).toHaveLength(2);
      expect(bodies(r.mbox)).toEqual(bodies(direct.mbox));
      for (const m of bob.messages) expect(r.mbox).toContain(m.toString('utf8').replace(/\r\n/g, '\n'));
      const live = await stls.next(mark);
      expect(withVerb(live, 'STLS')[0]!.response.status).toBe('+OK');
      expect(withVerb(live, 'PASS')[0]!.command.line).toBe('PASS <redacted 6 octets>');
      expect(withVerb(live, 'RETR').map((t) => [t.command.args, t.response.bodyOctets])).toEqual([
        [['1'], 498],
        [['2'], 912],
      ]);
      expect(summaryOf(live)).toMatchObject({
        user: 'bob',
        auth: 'USER/PASS',
        tls: 'stls',
        retrieved: [1, 2],
      });
      // mpop sends the IP address it dials as SNI (RFC 6066 says not to; the proxy records what it got).
      await expectTlsFacts(stls, live, 'stls', '127.0.0.1');
    },
  );
});

secretsSuite(['dovecot', 'openssl'], { cramSeen: true });
