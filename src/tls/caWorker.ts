/**
 * pop3scope's CA in a worker thread of its own, for the proxy (caThread.ts is its body). Why not in the proxy's
 * thread: the X.509 library and its ASN.1 schemas take ~2.7 MB of heap, which lifted a TLS proxy's old
 * generation from ~7.6 MB to ~11 MB, past the 8 MB where V8 starts incremental marking; the relay's stream of
 * buffers then made V8 mark the whole heap ~55 times per 600 MB relayed, about a third of the proxy's CPU over
 * TLS (issue #18). In its own thread the library sits in a heap that stops allocating once the leaves are made.
 * A leaf is one message each way (the thread keeps the issued leaves), small beside a TLS handshake.
 */
import { Worker } from 'node:worker_threads';
import type { Leaf } from './ca.js';
import { type CaFiles, caFiles } from './caFiles.js';

/** What the proxy needs of a CA: leaves (CertificateAuthority is one, and so is the worker). */
export interface LeafIssuer {
  leaf(names: readonly string[]): Promise<Leaf>;
}

export interface LeafRequest {
  readonly id: number;
  readonly names: readonly string[];
}

export type LeafReply =
  | { readonly id: number; readonly leaf: Leaf }
  | { readonly id: number; readonly error: string };

/** The worker's body: the built file, or, run from source (the tests, through tsx), the .ts under tsx. */
function threadEntry(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./caThread.js', import.meta.url);
  // A worker does not inherit the tsx loader of the thread that starts it: it registers tsx, then loads the body.
  const body = new URL('./caThread.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(body)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(boot)}`);
}

/**
 * Starts the CA's thread, which loads (or creates, once) the CA in `files`; resolves once it can issue leaves,
 * rejects with the CA's own error if it cannot. The thread keeps the process alive only while it is asked for
 * something (its start, a leaf): an idle proxy exits when its sockets close. `close` stops it.
 */
export function caInWorker(files: CaFiles = caFiles()): Promise<LeafIssuer & { close(): Promise<void> }> {
  const worker = new Worker(threadEntry(), { workerData: { files } });
  const pending = new Map<number, { resolve: (leaf: Leaf) => void; reject: (error: Error) => void }>();
  let next = 0;
  let stopped: Error | null = null;
  let starting = true;
  // Ref'd while busy, unref'd when idle; after the listeners below, since adding them refs the worker again.
  const settle = () => (starting || pending.size > 0 ? worker.ref() : worker.unref());
  const issuer = {
    leaf(names: readonly string[]): Promise<Leaf> {
      if (stopped) return Promise.reject(stopped);
      const id = next++;
      return new Promise<Leaf>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        settle();
        worker.postMessage({ id, names: [...names] } satisfies LeafRequest);
      });
    },
    async close(): Promise<void> {
      stopped ??= new Error("pop3scope's CA thread was stopped");
      await worker.terminate();
    },
  };
  const started = new Promise<LeafIssuer & { close(): Promise<void> }>((resolve, reject) => {
    worker.on('message', (m: 'ready' | LeafReply) => {
      if (m === 'ready') {
        starting = false;
        settle();
        resolve(issuer);
        return;
      }
      const waiting = pending.get(m.id);
      pending.delete(m.id);
      settle();
      if ('leaf' in m) waiting?.resolve(m.leaf);
      else waiting?.reject(new Error(m.error));
    });
    worker.on('error', (error: Error) => {
      stopped ??= error;
      reject(error);
    });
    worker.on('exit', (code) => {
      stopped ??= new Error(`pop3scope's CA thread stopped (exit ${code})`);
      reject(stopped);
      for (const { reject: fail } of pending.values()) fail(stopped);
      pending.clear();
    });
  });
  settle();
  return started;
}
