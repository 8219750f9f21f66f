/**
 * Asks for a password on the terminal without echoing it. Passwords never come from a flag: a flag's value
 * shows in `ps` to every user of the machine.
 */
import type { ReadStream } from 'node:tty';

/** Resolves with the line typed (without echo); rejects on Ctrl-C or Ctrl-D with nothing typed. */
export function promptPassword(
  question: string,
  input: ReadStream = process.stdin as ReadStream,
  output: NodeJS.WriteStream = process.stderr,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const wasRaw = input.isRaw;
    let typed = Buffer.alloc(0);
    output.write(question);
    input.setRawMode(true);
    input.resume();
    const done = (error: Error | null) => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(typed.toString('utf8'));
    };
    const onData = (chunk: Buffer) => {
      for (const byte of chunk) {
        if (byte === 0x0d || byte === 0x0a) return done(null);
        if (byte === 0x03 || (byte === 0x04 && typed.length === 0))
          return done(new Error('no password given'));
        if (byte === 0x7f || byte === 0x08) typed = typed.subarray(0, Math.max(0, typed.length - 1));
        else typed = Buffer.concat([typed, Buffer.from([byte])]);
      }
    };
    input.on('data', onData);
  });
}
