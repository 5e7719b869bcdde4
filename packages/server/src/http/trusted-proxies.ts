/**
 * Proxies the operator trusts (`--trust-proxy`): behind one, every client arrives from the proxy's address, so the
 * client that budgets and caps count is taken from `X-Forwarded-For` instead (Fastify's `request.ip`, from the
 * right, skipping trusted hops), and the proxy's own connections are not held to the per-address cap (the proxy
 * limits its clients' connections; nginx `limit_conn`). Untrusted peers' `X-Forwarded-For` is ignored.
 */
import proxyAddr from '@fastify/proxy-addr';

/** Addresses and CIDR ranges, or proxy-addr's names `loopback`, `linklocal`, `uniquelocal`. */
export type TrustedProxies = readonly string[];

/** Whether a socket's peer is a trusted proxy; always false for an empty list. */
export function trustsPeer(proxies: TrustedProxies): (address: string | undefined) => boolean {
  if (proxies.length === 0) return () => false;
  const trust = proxyAddr.compile([...proxies]);
  return (address) => address !== undefined && trust(address, 0);
}

/** Throws a message naming the entry when an address or range is not one proxy-addr understands. */
export function checkTrustedProxies(proxies: TrustedProxies): void {
  for (const entry of proxies) {
    try {
      proxyAddr.compile(entry);
    } catch {
      throw new Error(`not an address, a CIDR range, or loopback|linklocal|uniquelocal: "${entry}"`);
    }
  }
}
