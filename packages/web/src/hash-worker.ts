/** The whole-file SHA-1 worker (inlined into the element's bundle by build.mjs). */
import { serveSha1Worker } from '@tranche/client/browser/hash-worker';

serveSha1Worker(self as unknown as Parameters<typeof serveSha1Worker>[0]);
