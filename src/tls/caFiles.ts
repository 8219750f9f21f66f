/**
 * Where pop3scope's CA lives. Apart from ca.ts so that commands can name the files (in help and errors)
 * without loading the X.509 library, which is only needed when a certificate is made or read.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface CaFiles {
  readonly dir: string;
  readonly certPath: string;
  readonly keyPath: string;
}

/** Where the CA lives: $POP3SCOPE_HOME, else $XDG_CONFIG_HOME/pop3scope, else ~/.config/pop3scope. */
export function caFiles(env: NodeJS.ProcessEnv = process.env): CaFiles {
  const dir = env.POP3SCOPE_HOME ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'pop3scope');
  return { dir, certPath: join(dir, 'ca.pem'), keyPath: join(dir, 'ca-key.pem') };
}
