/**
 * Where the bearer token may go. The client sends it only to the origins it was configured with (the server's, or
 * the API and upload URLs, plus any `trustedOrigins`), never to a URL the server hands out on another origin
 * (`session_endpoints`, a resume state's URLs): a server behind a proxy started without `--public-url` names its own
 * `http://127.0.0.1:8080/...`, and the client would hand the token to whatever listens on the user's port 8080.
 * An https origin is never trusted over http (a scheme downgrade). Box itself hands out upload URLs on nearer
 * data-centre hosts, so when Box is configured (an https `box.com` host) every https `*.box.com` host is trusted.
 */
import { UntrustedUrlError } from './errors.js';

export interface TokenOrigins {
  /** Exact origins (`https://host:port`) the token may be sent to. */
  readonly origins: readonly string[];
  /** Whether any https host under box.com is trusted too. */
  readonly boxHosts: boolean;
}

const BOX_HOST = /(^|\.)box\.com$/;

export function tokenOrigins(urls: readonly string[]): TokenOrigins {
  const parsed = urls.map((url) => new URL(url));
  return {
    origins: [...new Set(parsed.map((url) => url.origin))],
    boxHosts: parsed.some((url) => url.protocol === 'https:' && BOX_HOST.test(url.hostname)),
  };
}

export function isTrusted(trusted: TokenOrigins, url: URL): boolean {
  if (trusted.origins.includes(url.origin)) return true;
  return trusted.boxHosts && url.protocol === 'https:' && BOX_HOST.test(url.hostname);
}

/** Throws UntrustedUrlError unless `url` is one the token may be sent to. */
export function assertTokenTarget(trusted: TokenOrigins, url: string): void {
  const target = new URL(url);
  if (isTrusted(trusted, target)) return;
  const sameHostOverHttps = target.protocol === 'http:' && trusted.origins.some((o) => new URL(o).protocol === 'https:' && new URL(o).hostname === target.hostname);
  throw new UntrustedUrlError(url, trusted.origins, sameHostOverHttps ? 'downgrade' : 'origin');
}
