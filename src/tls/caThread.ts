/**
 * The body of the CA's worker thread (caWorker.ts starts it): loads or creates pop3scope's CA once, then
 * issues the leaves the proxy asks for, one message each. Nothing else runs here, so the X.509 library lives in
 * this thread's heap and not in the relay's.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CertificateAuthority } from './ca.js';
import type { CaFiles } from './caFiles.js';
import type { LeafReply, LeafRequest } from './caWorker.js';

const port = parentPort!;
const { ca } = await CertificateAuthority.loadOrCreate((workerData as { files: CaFiles }).files);
port.on('message', ({ id, names }: LeafRequest) => {
  ca.leaf(names).then(
    (leaf) => port.postMessage({ id, leaf } satisfies LeafReply),
    (error: Error) => port.postMessage({ id, error: error.message } satisfies LeafReply),
  );
});
port.postMessage('ready');
