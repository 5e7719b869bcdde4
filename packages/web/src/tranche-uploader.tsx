/**
 * The embeddable entry: `<tranche-uploader server="https://tranche.example" token="…">` (both optional: the page
 * served by Tranche uses its own origin and asks for a token), or `mount(element, { server, token })`.
 * Attribute `stall-timeout` (seconds, default 60): a request with no answer that long is retried.
 */
import { render } from 'preact';
import { App } from './app.js';
import css from './styles.css';

export interface MountOptions {
  server?: string | undefined;
  token?: string | undefined;
  stallTimeoutSeconds?: number | undefined;
}

function injectStyles(): void {
  if (document.getElementById('tranche-uploader-styles')) return;
  const style = document.createElement('style');
  style.id = 'tranche-uploader-styles';
  style.textContent = css;
  document.head.append(style);
}

export function mount(element: Element, options: MountOptions = {}): () => void {
  injectStyles();
  const server = options.server || location.origin;
  const stallTimeoutMs = Math.max(1, options.stallTimeoutSeconds ?? 60) * 1000;
  render(<App server={server} token={options.token || undefined} stallTimeoutMs={stallTimeoutMs} />, element);
  return () => render(null, element);
}

export class TrancheUploaderElement extends HTMLElement {
  static observedAttributes = ['server', 'token', 'stall-timeout'];
  private unmount: (() => void) | undefined;

  connectedCallback(): void {
    this.draw();
  }

  attributeChangedCallback(): void {
    if (this.isConnected) this.draw();
  }

  disconnectedCallback(): void {
    this.unmount?.();
    this.unmount = undefined;
  }

  private draw(): void {
    this.unmount?.();
    const params = new URLSearchParams(location.search);
    const stall = Number(this.getAttribute('stall-timeout') ?? params.get('stall-timeout') ?? 60);
    this.unmount = mount(this, { server: this.getAttribute('server') ?? undefined, token: this.getAttribute('token') ?? undefined, stallTimeoutSeconds: stall });
  }
}

if (!customElements.get('tranche-uploader')) customElements.define('tranche-uploader', TrancheUploaderElement);
