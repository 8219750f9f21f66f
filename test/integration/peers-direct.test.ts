/**
 * Proves the real-peer harness itself, DIRECTLY against Dovecot (no proxy in between): if these pass, a failing
 * proxy test points at the proxy, not at the helpers. Each block needs only the peers it names, so a machine
 * without mpop still runs the rest (locally; under CI a missing peer fails).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoUsers } from '../../src/server/demoMailbox.ts';
import { curlPop3, fetchmail, mpop, poplib } from '../helpers/clients.ts';
import { type Dovecot, makeSelfSignedCert, type SelfSignedCert, startDovecot } from '../helpers/dovecot.ts';
import { describeWithPeers, itWithPeers } from '../helpers/peers.ts';

const bob = demoUsers().find((u) => u.name === 'bob')!;
const BOB_UIDLS = ['1 000000015eed0001', '2 000000025eed0001'];
const bobUrl = (port: number, path = '') => `pop3://bob:hungry@127.0.0.1:${port}/${path}`;
/** curl prints multi-line answers with CRLF; compare lines. */
const lines = (s: string) => s.split(/\r?\n/).filter(Boolean);

describeWithPeers(['dovecot', 'curl'], 'curl directly against Dovecot', () => {
  let dc: Dovecot;
  beforeAll(async () => {
    dc = await startDovecot();
  });
  afterAll(() => dc?.stop());

  it('LIST shows bob’s two messages with their exact sizes', async () => {
    const r = await curlPop3(bobUrl(dc.port));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([`1 ${bob.messages[0].length}`, `2 ${bob.messages[1].length}`]);
    expect(lines(r.stdout)).toEqual(['1 498', '2 912']);
  });

  it('RETR 1 returns the stored bytes of bob’s first message exactly', async () => {
    const r = await curlPop3(bobUrl(dc.port, '1'));
    expect(r.code).toBe(0);
    expect(r.stdoutBytes.equals(bob.messages[0])).toBe(true);
  });

  it('UIDL is the fixed UIDVALIDITY-based value', async () => {
    const r = await curlPop3(bobUrl(dc.port), ['-X', 'UIDL']);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual(BOB_UIDLS);
  });

  it('a wrong password is refused at once', async () => {
    const t0 = Date.now();
    const r = await curlPop3(`pop3://bob:wrong@127.0.0.1:${dc.port}/`, ['--login-options', 'AUTH=PLAIN']);
    expect(r.code).toBe(67); // CURLE_LOGIN_DENIED
    expect(Date.now() - t0).toBeLessThan(2000); // auth_failure_delay = 0
  });
});

describeWithPeers(['dovecot', 'python3'], 'Python poplib directly against Dovecot', () => {
  let dc: Dovecot;
  let env: Record<string, string>;
  beforeAll(async () => {
    dc = await startDovecot();
    env = { POP_HOST: dc.host, POP_PORT: String(dc.port), POP_USER: 'bob', POP_PASSWORD: 'hungry' };
  });
  afterAll(() => dc?.stop());

  const statAndUidl = `
    p = poplib.POP3(HOST, PORT, timeout=10)
    p.user(USER)
    out(p.pass_(PASSWORD))
    out(p.stat())
    out([u.decode() for u in p.uidl()[1]])
    p.quit()`;

  it('USER/PASS, STAT and UIDL are stable across two connections and two server starts', async () => {
    const first = await poplib(statAndUidl, env);
    expect(first.stderr).toBe('');
    expect(lines(first.stdout)).toEqual([
      "b'+OK Logged in.'",
      '(2, 1410)',
      `['${BOB_UIDLS[0]}', '${BOB_UIDLS[1]}']`,
    ]);
    const second = await poplib(statAndUidl, env);
    expect(second.stdout).toBe(first.stdout);
    const other = await startDovecot();
    try {
      const third = await poplib(statAndUidl, { ...env, POP_PORT: String(other.port) });
      expect(third.stdout).toBe(first.stdout);
    } finally {
      await other.stop();
    }
  });

  it('APOP logs in with the greeting timestamp, and a wrong secret is refused', async () => {
    const r = await poplib(
      `
      p = poplib.POP3(HOST, PORT, timeout=10)
      out(p.timestamp.search(p.getwelcome()) is not None)
      out(p.apop(USER, PASSWORD))
      out(p.stat())
      p.quit()
      q = poplib.POP3(HOST, PORT, timeout=10)
      try:
          q.apop(USER, 'not-' + PASSWORD)
      except poplib.error_proto as e:
          out(e.args[0])`,
      env,
    );
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual([
      'True',
      "b'+OK Logged in.'",
      '(2, 1410)',
      "b'-ERR [AUTH] Authentication failed.'",
    ]);
  });
});

describeWithPeers(['dovecot', 'fetchmail', 'python3'], 'fetchmail directly against Dovecot', () => {
  let dc: Dovecot;
  beforeAll(async () => {
    dc = await startDovecot();
  });
  afterAll(() => dc?.stop());
  const stat = () =>
    poplib('p = poplib.POP3(HOST, PORT); p.user(USER); p.pass_(PASSWORD); out(p.stat()); p.quit()', {
      POP_PORT: String(dc.port),
      POP_USER: 'bob',
      POP_PASSWORD: 'hungry',
    });

  it('keep mode delivers both messages with USER/PASS and RETR and leaves them on the server', async () => {
    const r = await fetchmail({ host: dc.host, port: dc.port, user: 'bob', password: 'hungry', keep: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('POP3> USER bob');
    expect(r.stdout).toContain('POP3> RETR 2');
    expect(r.stdout).not.toContain('STLS');
    expect(r.mbox).toContain('Subject: Lunch on Friday?');
    expect(r.mbox).toContain('Subject: Notes from the networking class');
    expect((await stat()).stdout).toBe('(2, 1410)\n');
  });

  it('delete mode removes them (LAST, TOP, DELE); a second run finds no mail', async () => {
    const opts = { host: dc.host, port: dc.port, user: 'bob', password: 'hungry', keep: false } as const;
    const r = await fetchmail({ ...opts, fetchall: false });
    expect(r.code, r.stderr).toBe(0);
    const sent = lines(r.stdout).flatMap((l) => /^fetchmail: POP3> (.*)$/.exec(l)?.slice(1) ?? []);
    expect(sent.slice(3)).toEqual([
      'LAST',
      'UIDL',
      'LIST 1',
      'TOP 1 99999999',
      'DELE 1',
      'LIST 2',
      'TOP 2 99999999',
      'DELE 2',
      'QUIT',
    ]);
    expect(r.mbox.match(/^Subject: /gm)).toHaveLength(2);
    expect((await stat()).stdout).toBe('(0, 0)\n');
    const again = await fetchmail(opts);
    expect(again.code).toBe(1); // fetchmail's "no mail", not an error
    expect(again.mbox).toBe('');
  });
});

describeWithPeers(['dovecot', 'mpop'], 'mpop directly against Dovecot', () => {
  let dc: Dovecot;
  beforeAll(async () => {
    dc = await startDovecot();
  });
  afterAll(() => dc?.stop());

  it('keep mode delivers both messages and pipelines its commands', async () => {
    const r = await mpop({ host: dc.host, port: dc.port, user: 'bob', password: 'hungry', keep: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.mbox.match(/^From MAILER-DAEMON /gm)).toHaveLength(2);
    expect(r.mbox).toContain('Subject: Notes from the networking class');
    const dialogue = lines(r.stdout).filter((l) => /^(-->|<--) /.test(l));
    // Pipelining: PASS is sent before USER is answered, RETR 2 before RETR 1's answer.
    const at = (l: string) => dialogue.indexOf(l);
    expect(at('--> PASS hungry')).toBe(at('--> USER bob') + 1);
    expect(at('--> RETR 2')).toBe(at('--> RETR 1') + 1);
    expect(at('<-- +OK 498 octets')).toBeGreaterThan(at('--> RETR 2'));
  });

  it('keeps UIDL state in its workDir: a second run fetches nothing new', async () => {
    const first = await mpop({ host: dc.host, port: dc.port, user: 'bob', password: 'hungry', keep: true });
    const again = await mpop({
      workDir: first.workDir,
      host: dc.host,
      port: dc.port,
      user: 'bob',
      password: 'hungry',
      keep: true,
    });
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('--> RETR');
    expect(again.mbox).toBe(first.mbox);
  });

  it('delete mode with AUTH PLAIN empties the maildrop', async () => {
    const r = await mpop({
      host: dc.host,
      port: dc.port,
      user: 'bob',
      password: 'hungry',
      keep: false,
      auth: 'plain',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^--> AUTH PLAIN$/m); // mpop waits for the '+ ' continuation
    expect(r.stdout).toContain('--> DELE 2');
    // -I: STAT answers one line (without it curl waits for a multi-line answer until --max-time); -I also
    // prints nothing, so the answer is read from the -v transcript.
    const after = await curlPop3(bobUrl(dc.port), ['-X', 'STAT', '-I', '-v']);
    expect(after.code, after.stderr).toBe(0);
    expect(lines(after.stderr)).toContain('< +OK 0 0');
  });
});

describeWithPeers(['dovecot', 'curl', 'openssl'], 'TLS directly against Dovecot', () => {
  let dc: Dovecot;
  let cert: SelfSignedCert;
  beforeAll(async () => {
    cert = makeSelfSignedCert();
    dc = await startDovecot({ tls: cert });
  });
  afterAll(async () => {
    await dc?.stop();
    cert?.remove();
  });

  it('curl --ssl-reqd upgrades the cleartext port with STLS and verifies the cert', async () => {
    const r = await curlPop3(bobUrl(dc.port), ['--ssl-reqd', '--cacert', cert.certFile, '-v']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('> STLS');
    expect(r.stderr).toContain('< +OK Begin TLS negotiation now.');
    expect(lines(r.stdout)).toEqual(['1 498', '2 912']);
  });

  it('curl pop3:// without --cacert refuses the self-signed cert when TLS is required', async () => {
    const r = await curlPop3(bobUrl(dc.port), ['--ssl-reqd']);
    expect(r.code).toBe(60); // CURLE_PEER_FAILED_VERIFICATION
  });

  it('pop3s:// on the TLS port lists the messages', async () => {
    const r = await curlPop3(`pop3s://bob:hungry@127.0.0.1:${dc.pop3sPort}/`, ['--cacert', cert.certFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toEqual(['1 498', '2 912']);
  });

  itWithPeers(
    ['mpop', 'fetchmail'],
    'mpop with STLS and fetchmail over pop3s both fetch and verify',
    async () => {
      const base = { host: dc.host, user: 'bob', password: 'hungry', keep: true } as const;
      const m = await mpop({ ...base, port: dc.port, tls: { mode: 'stls', caFile: cert.certFile } });
      expect(m.code, m.stderr).toBe(0);
      expect(m.stdout).toContain('--> STLS');
      expect(m.mbox.match(/^From MAILER-DAEMON /gm)).toHaveLength(2);
      const f = await fetchmail({
        ...base,
        port: dc.pop3sPort!,
        tls: { mode: 'tls', caFile: cert.certFile },
      });
      expect(f.code, f.stdout + f.stderr).toBe(0);
      expect(f.mbox).toContain('Subject: Lunch on Friday?');
    },
  );
});
