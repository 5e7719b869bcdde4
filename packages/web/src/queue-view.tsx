/**
 * The upload queue: overall progress, bulk controls, and a virtualised list (fixed row height, only the rows in
 * view are in the DOM), so 10,000 files render at once.
 */
import { useState } from 'preact/hooks';
import { formatBytes, formatDuration } from './format.js';
import { sizeOf, type UploadItem } from './upload-item.js';
import type { UploadQueue } from './uploads.js';

const ROW = 72;
const VIEW_ROWS = 6;

export function QueueView({ queue, tick }: { queue: UploadQueue; tick: number }) {
  const [top, setTop] = useState(0);
  const items = queue.items;
  if (items.length === 0) return null;
  let total = 0;
  let sent = 0;
  let rate = 0;
  const counts: Record<string, number> = {};
  for (const item of items) {
    if (item.status === 'skipped' || item.status === 'cancelled') continue;
    total += item.size ?? 0;
    sent += item.bytes;
    if (item.status === 'uploading') rate += item.meter.bytesPerSecond;
    counts[item.status] = (counts[item.status] ?? 0) + 1;
  }
  const first = Math.max(0, Math.floor(top / ROW) - 2);
  const visible = items.slice(first, first + VIEW_ROWS + 5);
  const percent = total === 0 ? 100 : Math.floor((sent / total) * 100);
  const summary = Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', ');
  return (
    <div class="tr-queue" data-tick={tick}>
      <div class="tr-overall">
        <label for="tr-overall-progress">
          All uploads: {percent}% ({formatBytes(sent)} of {formatBytes(total)}{queue.sized < items.length ? `, sizing ${queue.sized} of ${items.length} files…` : ''}){rate > 0 ? `, ${formatBytes(rate)}/s` : ''}
        </label>
        <progress id="tr-overall-progress" max={100} value={percent} />
        <p class="tr-muted" data-testid="queue-summary">
          {items.length} file{items.length === 1 ? '' : 's'}: {summary}
        </p>
        <div class="tr-row">
          <button type="button" onClick={() => queue.pauseAll()}>
            Pause all
          </button>
          <button type="button" onClick={() => queue.resumeAll()}>
            Resume all
          </button>
          <button type="button" class="tr-secondary" onClick={() => void queue.cancelAll()}>
            Cancel all
          </button>
          <button type="button" class="tr-secondary" onClick={() => queue.clearFinished()}>
            Clear finished
          </button>
        </div>
      </div>
      <div class="tr-scroll" style={{ height: `${Math.min(items.length, VIEW_ROWS) * ROW}px` }} onScroll={(e) => setTop(e.currentTarget.scrollTop)} tabIndex={0} aria-label="Upload queue">
        <ul class="tr-list" style={{ height: `${items.length * ROW}px` }} aria-label={`Uploads, ${items.length} files`}>
          {visible.map((item, i) => (
            <Row key={item.id} item={item} queue={queue} index={first + i} setsize={items.length} />
          ))}
        </ul>
      </div>
    </div>
  );
}

function Row({ item, queue, index, setsize }: { item: UploadItem; queue: UploadQueue; index: number; setsize: number }) {
  const size = sizeOf(item);
  const percent = size === 0 ? (item.status === 'done' ? 100 : 0) : Math.floor((item.bytes / size) * 100);
  const eta = item.status === 'uploading' ? formatDuration(item.meter.etaSeconds(size - item.bytes)) : '';
  const rate = item.status === 'uploading' && item.meter.bytesPerSecond > 0 ? `${formatBytes(item.meter.bytesPerSecond)}/s` : '';
  return (
    <li class={`tr-item tr-${item.status}`} style={{ top: `${index * ROW}px`, height: `${ROW}px` }} aria-posinset={index + 1} aria-setsize={setsize} data-path={item.path} data-status={item.status} data-session={item.sessionId ?? ''} data-file-id={item.fileId ?? ''}>
      <div class="tr-item-main">
        <div class="tr-item-name" title={item.path}>
          {item.path}
        </div>
        <progress max={100} value={percent} aria-label={`${item.path}: ${percent}%`} />
        <div class="tr-muted tr-item-status">
          {item.status} · {formatBytes(item.bytes)} of {formatBytes(size)}
          {rate && ` · ${rate}`}
          {eta && ` · ${eta} left`}
          {item.message && ` · ${item.message}`}
        </div>
      </div>
      <div class="tr-item-actions">
        {(item.status === 'uploading' || item.status === 'queued') && (
          <button type="button" onClick={() => queue.pause(item)} aria-label={`Pause ${item.path}`}>
            Pause
          </button>
        )}
        {(item.status === 'paused' || item.status === 'offline') && (
          <button type="button" onClick={() => queue.resume(item)} aria-label={`Resume ${item.path}`}>
            Resume
          </button>
        )}
        {item.status === 'failed' && (
          <button type="button" onClick={() => queue.resume(item)} aria-label={`Retry ${item.path}`}>
            Retry
          </button>
        )}
        {!['done', 'cancelled', 'skipped'].includes(item.status) && (
          <button type="button" class="tr-secondary" onClick={() => void queue.cancel(item)} aria-label={`Cancel ${item.path}`}>
            Cancel
          </button>
        )}
      </div>
    </li>
  );
}
