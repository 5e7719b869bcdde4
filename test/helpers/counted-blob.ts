/**
 * A Blob for the page worker's reader tests in Node (as far as the reader uses one: size, slice, stream): its
 * streams counted, the cancelled and the still-open ones known. Byte streams (BYOB) like Node's and Chromium's, or
 * with `plain` default streams in 700 KB chunks.
 */
export function countedBlob(bytes: Uint8Array, plain: boolean) {
  const streams: Array<{ start: number; end: number }> = [];
  const cancelled: Array<{ start: number; at: number }> = [];
  /** Streams neither read to their end (closed by the source) nor cancelled. */
  let open = 0;
  const wrap = (start: number, end: number): Blob => ({
    size: end - start,
    slice: (a = 0, b = end - start) => wrap(start + a, start + Math.min(b, end - start)),
    stream: () => {
      streams.push({ start, end });
      open++;
      let at = start;
      const cancel = (): void => {
        cancelled.push({ start, at });
        open--;
      };
      if (plain) {
        return new ReadableStream<Uint8Array>({
          pull(controller) {
            if (at >= end) {
              open--;
              return controller.close();
            }
            const n = Math.min(700_000, end - at);
            controller.enqueue(bytes.slice(at, at + n));
            at += n;
          },
          cancel,
        });
      }
      return new ReadableStream({
        type: 'bytes',
        pull(controller) {
          const request = controller.byobRequest;
          if (at >= end) {
            open--;
            controller.close();
            request?.respond(0);
            return;
          }
          if (!request?.view) {
            const n = Math.min(65_536, end - at);
            controller.enqueue(bytes.slice(at, at + n));
            at += n;
            return;
          }
          const n = Math.min(request.view.byteLength, end - at);
          new Uint8Array(request.view.buffer, request.view.byteOffset, n).set(bytes.subarray(at, at + n));
          at += n;
          request.respond(n);
        },
        cancel,
      });
    },
  }) as unknown as Blob;
  return { blob: wrap(0, bytes.length), streams, cancelled, open: () => open };
}

