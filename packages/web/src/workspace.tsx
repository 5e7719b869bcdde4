/** Signed in: the folder being viewed, the upload controls and queue, and the interrupted uploads. */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { describe, list, makeFolder, type Connection, type Item } from './api.js';
import { ClashDialog, type ClashRequest } from './clash.js';
import { fromDrop, fromInput, type Picked } from './drop.js';
import { FolderList } from './folder-list.js';
import { Interrupted } from './interrupted.js';
import { QueueView } from './queue-view.js';
import { UploadQueue } from './uploads.js';

export function Workspace({ conn, onSignOut }: { conn: Connection; onSignOut?: (() => void) | undefined }) {
  const [path, setPath] = useState<Array<{ id: string; name: string }>>([{ id: '0', name: 'All files' }]);
  const folder = path[path.length - 1]!;
  const [items, setItems] = useState<Item[] | undefined>();
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const [live, setLive] = useState('');
  const [clash, setClash] = useState<ClashRequest | undefined>();
  const folderRef = useRef(folder.id);
  folderRef.current = folder.id;
  const dirty = useRef(false);

  const refresh = useCallback(async (id = folderRef.current) => {
    try {
      const entries = await list(conn, id);
      if (id === folderRef.current) setItems(entries);
      setError('');
    } catch (e) {
      setError(`Could not list the folder: ${describe(e)}`);
    }
  }, [conn]);

  const queue = useMemo(
    () =>
      new UploadQueue(
        conn,
        (now) => (now ? setTick((t) => t + 1) : (dirty.current = true)),
        (item) => new Promise((resolve) => setClash({ name: item.name, resolve: (answer) => (setClash(undefined), resolve(answer)) })),
        setLive,
        (id) => id === folderRef.current && void refresh(id),
      ),
    [conn],
  );

  // Re-render the queue at most twice a second, whatever the event rate (10,000 files stay responsive).
  useEffect(() => {
    const timer = setInterval(() => {
      if (dirty.current || queue.items.some((i) => i.status === 'uploading')) {
        dirty.current = false;
        setTick((t) => t + 1);
      }
    }, 500);
    return () => clearInterval(timer);
  }, [queue]);

  useEffect(() => {
    setItems(undefined);
    void refresh(folder.id);
  }, [folder.id]);

  const add = (picked: Picked): void => queue.add(picked.files, picked.emptyDirs, folder.id);
  const onDrop = async (event: DragEvent): Promise<void> => {
    event.preventDefault();
    if (event.dataTransfer) add(await fromDrop(event.dataTransfer));
  };
  const newFolder = async (event: Event): Promise<void> => {
    event.preventDefault();
    const input = (event.currentTarget as HTMLFormElement).elements.namedItem('folder') as HTMLInputElement;
    const name = input.value.trim();
    if (!name) return;
    try {
      await makeFolder(conn, name, folder.id);
      input.value = '';
      setLive(`Folder ${name} created`);
      await refresh();
    } catch (e) {
      setError(`Could not create the folder: ${describe(e)}`);
    }
  };

  return (
    <div class="tr-app" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
      <header class="tr-header">
        <h1>Tranche uploader</h1>
        {onSignOut && (
          <button type="button" class="tr-secondary" onClick={onSignOut}>
            Sign out
          </button>
        )}
      </header>
      <main class="tr-main">
        <nav aria-label="Folder path">
          <ol class="tr-crumbs">
            {path.map((p, i) => (
              <li key={p.id}>
                {i === path.length - 1 ? (
                  <span aria-current="page">{p.name}</span>
                ) : (
                  <button type="button" class="tr-link" onClick={() => setPath(path.slice(0, i + 1))}>
                    {p.name}
                  </button>
                )}
              </li>
            ))}
          </ol>
        </nav>
        <section aria-labelledby="tr-upload-title" class="tr-panel">
          <h2 id="tr-upload-title">Upload to {folder.name}</h2>
          <div class="tr-drop">
            <p>Drop files or folders anywhere on this page, or:</p>
            <div class="tr-row">
              <label class="tr-button">
                Choose files
                <input type="file" multiple class="tr-file" data-testid="file-input" onChange={(e) => (add(fromInput(e.currentTarget.files)), (e.currentTarget.value = ''))} />
              </label>
              <label class="tr-button">
                Choose a folder
                <input type="file" class="tr-file" {...{ webkitdirectory: '' }} data-testid="folder-input" onChange={(e) => (add(fromInput(e.currentTarget.files)), (e.currentTarget.value = ''))} />
              </label>
            </div>
          </div>
          <QueueView queue={queue} tick={tick} />
        </section>
        <Interrupted conn={conn} queue={queue} tick={tick} folderId={folder.id} />
        <section aria-labelledby="tr-files-title" class="tr-panel">
          <h2 id="tr-files-title">Files in {folder.name}</h2>
          <form class="tr-row" onSubmit={newFolder}>
            <label for="tr-new-folder">New folder</label>
            <input id="tr-new-folder" name="folder" type="text" />
            <button type="submit">Create folder</button>
          </form>
          <p role="alert" class="tr-error">
            {error}
          </p>
          <FolderList conn={conn} items={items} onOpen={(f) => setPath([...path, { id: f.id, name: f.name }])} />
        </section>
      </main>
      <div class="tr-sr" aria-live="polite" role="status" data-testid="live">
        {live}
      </div>
      {clash && <ClashDialog request={clash} />}
    </div>
  );
}
