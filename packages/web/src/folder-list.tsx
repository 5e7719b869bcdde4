/** A folder's items: name (folders open on click), size, modified, sha1, download link. */
import { downloadUrl, type Connection, type Item } from './api.js';
import { formatBytes } from './format.js';

export function FolderList({ conn, items, onOpen }: { conn: Connection; items: Item[] | undefined; onOpen: (folder: Item) => void }) {
  if (!items) return <p>Loading…</p>;
  if (items.length === 0) return <p>This folder is empty.</p>;
  return (
    <div class="tr-table-wrap">
      <table class="tr-table">
        <caption class="tr-sr">Items in this folder</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Size</th>
            <th scope="col">Modified</th>
            <th scope="col">SHA-1</th>
            <th scope="col">Download</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id} data-name={item.name}>
              <th scope="row">
                {item.type === 'folder' ? (
                  <button type="button" class="tr-link" onClick={() => onOpen(item)}>
                    📁 {item.name}
                  </button>
                ) : (
                  item.name
                )}
              </th>
              <td>{item.type === 'file' && item.size !== undefined ? formatBytes(item.size) : ''}</td>
              <td>{item.modified_at ? new Date(item.modified_at).toLocaleString() : ''}</td>
              <td class="tr-sha1">{item.type === 'file' ? <code>{item.sha1}</code> : ''}</td>
              <td>
                {item.type === 'file' ? (
                  <a href={downloadUrl(conn, item.id)} download={item.name}>
                    Download <span class="tr-sr">{item.name}</span>
                  </a>
                ) : (
                  ''
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
