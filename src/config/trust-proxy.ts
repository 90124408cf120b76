import { isIP } from 'node:net';

/**
 * Express's `trust proxy`, in the forms that cannot be fooled by a client: off, the number
 * of proxies in front, or the proxies' addresses (`loopback`, `linklocal`, `uniquelocal`, an
 * address, an address/prefix). `true` (believe every X-Forwarded-For) is not one of them.
 */
export type TrustProxy = false | number | string[];

const NAMES = ['loopback', 'linklocal', 'uniquelocal'];
const MAX_HOPS = 100;

/** The value of TRUST_PROXY (unset: off); a problem naming the variable when it is not one. */
export function parseTrustProxy(raw: string | undefined): TrustProxy | string {
  if (raw === undefined || raw.trim().toLowerCase() === 'false') return false;
  const value = raw.trim();
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > MAX_HOPS) return `TRUST_PROXY must be a number of proxies from 0 to ${MAX_HOPS} (got "${raw}")`;
    return hops === 0 ? false : hops;
  }
  if (value.toLowerCase() === 'true') {
    return 'TRUST_PROXY=true would believe the X-Forwarded-For of any client; give the number of proxies in front of hookdeploy or their addresses (e.g. loopback)';
  }
  const entries = value.split(',').map((entry) => entry.trim());
  const bad = entries.filter((entry) => !isProxyAddress(entry));
  if (bad.length > 0) {
    return `TRUST_PROXY must be a number of proxies, or a comma-separated list of loopback, linklocal, uniquelocal, addresses and address/prefix ranges (not ${bad.map((entry) => `"${entry}"`).join(', ')})`;
  }
  return entries.map((entry) => (NAMES.includes(entry.toLowerCase()) ? entry.toLowerCase() : entry));
}

function isProxyAddress(entry: string): boolean {
  if (NAMES.includes(entry.toLowerCase())) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}
