/**
 * Parses `--blob s3://BUCKET[/key-prefix]?endpoint=URL&forcePathStyle=true&region=R&presign=SECONDS`.
 * Credentials never come from the URL: the AWS SDK's default provider chain supplies them (environment, profiles,
 * container and instance roles), so a location can be logged and shared safely.
 */

export interface S3Location {
  bucket: string;
  /** Prepended to every key; empty or ending in "/". */
  prefix: string;
  /** Origin of an S3-compatible service (MinIO, Ceph, R2…); undefined for AWS itself. */
  endpoint?: string;
  /** Bucket in the path (`endpoint/bucket/key`) instead of the host name; most S3-compatible services need it. */
  forcePathStyle: boolean;
  /** undefined: the SDK's chain (AWS_REGION, profile). */
  region?: string;
  /** When set, downloads may be answered with a URL presigned for this many seconds. */
  presignSeconds?: number;
}

/** SigV4 presigned URLs live at most seven days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

const PARAMETERS = new Set(['endpoint', 'forcePathStyle', 'region', 'presign']);
/** Current S3 bucket naming rules: 3-63 lowercase letters, digits, dots and hyphens, alphanumeric at both ends. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX_SEGMENT = /^[A-Za-z0-9._-]+$/;
const REGION = /^[a-z0-9-]+$/;

export class S3LocationError extends Error {
  constructor(location: string, problem: string) {
    super(`Invalid S3 location ${JSON.stringify(redact(location))}: ${problem}. Expected s3://BUCKET[/prefix]?endpoint=URL&forcePathStyle=true&region=R&presign=SECONDS`);
    this.name = 'S3LocationError';
  }
}

export function parseS3Location(location: string): S3Location {
  const fail = (problem: string): never => {
    throw new S3LocationError(location, problem);
  };
  if (!location.startsWith('s3://')) fail('it must start with s3://');
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return fail('it is not a URL');
  }
  if (url.username !== '' || url.password !== '') {
    fail('credentials do not belong in the URL; set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or an AWS profile');
  }
  if (url.port !== '') fail('the bucket name cannot carry a port; put the service address in ?endpoint=');
  if (url.hash !== '') fail('a #fragment is not allowed');
  const bucket = url.hostname;
  if (!BUCKET.test(bucket) || bucket.includes('..')) fail(`${JSON.stringify(bucket)} is not a valid bucket name`);

  // From the text, not url.pathname: URL parsing would quietly resolve "a/../b" to "b".
  const authorityAndPath = location.slice('s3://'.length).split(/[?#]/)[0]!;
  const slash = authorityAndPath.indexOf('/');
  const prefix = parsePrefix(slash === -1 ? '' : authorityAndPath.slice(slash), fail);
  const seen = new Set<string>();
  for (const name of url.searchParams.keys()) {
    if (!PARAMETERS.has(name)) fail(`unknown parameter ${JSON.stringify(name)} (known: ${[...PARAMETERS].join(', ')})`);
    if (seen.has(name)) fail(`parameter ${name} is given twice`);
    seen.add(name);
  }
  const parameter = (name: string): string | undefined => url.searchParams.get(name) ?? undefined;

  const result: S3Location = { bucket, prefix, forcePathStyle: parseBoolean(parameter('forcePathStyle'), fail) };
  const endpoint = parameter('endpoint');
  if (endpoint !== undefined) result.endpoint = parseEndpoint(endpoint, fail);
  const region = parameter('region');
  if (region !== undefined) {
    if (!REGION.test(region)) fail(`region ${JSON.stringify(region)} is not a region name`);
    result.region = region;
  }
  const presign = parameter('presign');
  if (presign !== undefined) {
    const seconds = /^[1-9][0-9]{0,6}$/.test(presign) ? Number(presign) : NaN;
    if (!(seconds <= MAX_PRESIGN_SECONDS)) fail(`presign must be a number of seconds from 1 to ${MAX_PRESIGN_SECONDS}, not ${JSON.stringify(presign)}`);
    result.presignSeconds = seconds;
  }
  return result;
}

function parsePrefix(pathname: string, fail: (problem: string) => never): string {
  const trimmed = pathname.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return '';
  for (const segment of trimmed.split('/')) {
    if (!PREFIX_SEGMENT.test(segment) || segment === '.' || segment === '..') {
      fail(`key prefix segment ${JSON.stringify(segment)} may only hold letters, digits, ".", "_" and "-"`);
    }
  }
  return `${trimmed}/`;
}

function parseBoolean(value: string | undefined, fail: (problem: string) => never): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  return fail(`forcePathStyle must be true or false, not ${JSON.stringify(value)}`);
}

function parseEndpoint(value: string, fail: (problem: string) => never): string {
  let endpoint: URL;
  try {
    endpoint = new URL(value);
  } catch {
    return fail(`endpoint ${JSON.stringify(value)} is not a URL`);
  }
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') fail('endpoint must be an http:// or https:// URL');
  if (endpoint.username !== '' || endpoint.password !== '') fail('credentials do not belong in the endpoint URL');
  if (endpoint.search !== '' || endpoint.hash !== '') fail('endpoint must not carry a query or a fragment');
  return endpoint.href.replace(/\/$/, '');
}

/** Hides anything that looks like credentials before a location is echoed in an error. */
function redact(location: string): string {
  return location.replace(/\/\/[^/@?#]*@/g, '//***@');
}
