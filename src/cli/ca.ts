/** `pop3scope ca init | show | path`: the local certificate authority that lets pop3scope see inside TLS. */
import type { Command } from 'commander';
import type { CertificateAuthority } from '../tls/ca.js';
import { caFiles } from '../tls/caFiles.js';
import { CliError } from './errors.js';

function trustHelp(certPath: string): string {
  return `Trust it in the client you are debugging (only there, only while debugging):
  curl        curl --cacert ${certPath} pop3s://127.0.0.1:1995/   (or --ssl-reqd for STLS)
  Python      ssl.create_default_context(cafile="${certPath}")
  fetchmail   sslcertfile ${certPath}   (with sslcertck)
  mpop        tls_trust_file ${certPath}
  Thunderbird Settings → Privacy & Security → Manage Certificates → Authorities → Import ${certPath}
              (tick "trust this CA to identify websites"; remove it when you are done)`;
}

async function load(create: boolean): Promise<{ ca: CertificateAuthority; created: boolean }> {
  const files = caFiles();
  const { CertificateAuthority } = await import('../tls/ca.js');
  try {
    if (create) return await CertificateAuthority.loadOrCreate(files);
    const { readFile } = await import('node:fs/promises');
    const [cert, key] = await Promise.all([
      readFile(files.certPath, 'utf8'),
      readFile(files.keyPath, 'utf8'),
    ]);
    return { ca: await CertificateAuthority.fromPem(cert, key), created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CliError(`no CA yet in ${files.dir}: run "pop3scope ca init"`);
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot use the CA in ${files.dir}: ${(error as Error).message}`);
  }
}

export function registerCa(program: Command): void {
  const ca = program
    .command('ca')
    .description('the local certificate authority for TLS interception (init, show, path)')
    .addHelpText(
      'after',
      `
The CA lives in $POP3SCOPE_HOME, else $XDG_CONFIG_HOME/pop3scope, else ~/.config/pop3scope (key mode 0600).

Examples:
  pop3scope ca init
  pop3scope ca show
  curl --cacert "$(pop3scope ca path)" --ssl-reqd pop3://bob:secret@127.0.0.1:1110/`,
    );
  ca.command('init')
    .description('create the CA (once; an existing one is kept)')
    .action(async () => {
      const { ca: authority, created } = await load(true);
      const files = caFiles();
      process.stdout.write(
        `${created ? 'created' : 'already there'}: ${files.certPath}\nSHA-256 ${authority.fingerprint()}\n\n${trustHelp(files.certPath)}\n`,
      );
    });
  ca.command('show')
    .description("print the CA's fingerprint and how to make clients trust it")
    .action(async () => {
      const { ca: authority } = await load(false);
      const files = caFiles();
      process.stdout.write(
        `${files.certPath}\nsubject ${authority.cert.subject}\nvalid ${authority.cert.notBefore.toISOString()} to ${authority.cert.notAfter.toISOString()}\nSHA-256 ${authority.fingerprint()}\n\n${trustHelp(files.certPath)}\n`,
      );
    });
  ca.command('path')
    .description('print the path of the CA certificate (for --cacert and friends)')
    .action(async () => {
      await load(false);
      process.stdout.write(`${caFiles().certPath}\n`);
    });
  for (const c of ca.commands) c.exitOverride();
}
