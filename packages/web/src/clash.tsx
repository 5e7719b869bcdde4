/** The name-clash question: a modal <dialog> (focus kept inside, Escape = skip). */
import { useEffect, useRef } from 'preact/hooks';
import type { ClashChoice } from './upload-item.js';

export interface ClashRequest {
  name: string;
  resolve: (answer: { choice: ClashChoice; all: boolean }) => void;
}

export function ClashDialog({ request }: { request: ClashRequest }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const all = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);
  const answer = (choice: ClashChoice): void => {
    dialog.current?.close();
    request.resolve({ choice, all: all.current?.checked ?? false });
  };
  return (
    <dialog ref={dialog} class="tr-dialog" aria-labelledby="tr-clash-title" onCancel={(e) => (e.preventDefault(), answer('skip'))}>
      <h2 id="tr-clash-title">“{request.name}” already exists</h2>
      <p>What should happen to the file you are uploading?</p>
      <div class="tr-row">
        <button type="button" onClick={() => answer('version')}>
          Upload as a new version
        </button>
        <button type="button" onClick={() => answer('rename')}>
          Keep both
        </button>
        <button type="button" class="tr-secondary" onClick={() => answer('skip')}>
          Skip
        </button>
      </div>
      <label class="tr-check">
        <input ref={all} type="checkbox" /> Do the same for every clash
      </label>
    </dialog>
  );
}
