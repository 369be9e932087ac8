import { isIP } from 'node:net';
import { ValidateBy, ValidationOptions } from 'class-validator';

/** The names Express's `trust proxy` knows for ranges (proxy-addr's pre-defined subnets). */
const RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

const HINT = `an IP address, a range (10.0.0.0/8 or 10.0.0.0/255.0.0.0) or one of ${RANGE_NAMES.join(', ')}`;

/** A dotted IPv4 netmask's prefix length, or undefined when its ones are not contiguous. */
function netmaskPrefix(mask: string): number | undefined {
  const bits = mask
    .split('.')
    .map((octet) => Number(octet).toString(2).padStart(8, '0'))
    .join('');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') === -1 ? 32 : bits.indexOf('0')) : undefined;
}

/** Why `entry` is not an address or range Express's `trust proxy` takes (as proxy-addr parses it); else undefined. */
function entryProblem(entry: string): string | undefined {
  if (RANGE_NAMES.includes(entry)) return undefined;
  // Express would read "1" as the address 0.0.0.1, where the writer meant a hop count.
  if (/^\d+$/.test(entry)) return `"${entry}" is not an IP address: name the proxies, not how many there are`;
  const slash = entry.lastIndexOf('/');
  const address = slash === -1 ? entry : entry.slice(0, slash);
  const kind = isIP(address);
  if (kind === 0) return `"${entry}" is not ${HINT}`;
  if (slash === -1) return undefined;
  const range = entry.slice(slash + 1);
  const max = kind === 4 ? 32 : 128;
  const prefix = /^\d{1,3}$/.test(range) ? Number(range) : kind === 4 && isIP(range) === 4 ? netmaskPrefix(range) : undefined;
  // proxy-addr refuses a zero prefix too: "trust everyone" is not a proxy list.
  if (prefix === undefined || prefix < 1 || prefix > max) return `"${entry}" has no valid range (1-${max} bits)`;
  return undefined;
}

/**
 * TRUST_PROXY: the proxies whose X-Forwarded-For is believed, as Express's `trust proxy` takes them
 * (comma-separated addresses, CIDR ranges and the names above). Unset or empty: none, the peer is the client.
 */
export function parseTrustProxy(value: string | undefined): string[] {
  return value === undefined || value.trim() === '' ? [] : value.split(',').map((entry) => entry.trim());
}

/** Why TRUST_PROXY's value is refused, naming the first bad entry; undefined when every entry is good. */
export function trustProxyProblem(value: string): string | undefined {
  for (const entry of parseTrustProxy(value)) {
    const problem = entryProblem(entry);
    if (problem) return problem;
  }
  return undefined;
}

/** class-validator's check of {@link trustProxyProblem}, for EnvironmentVariables. */
export function IsTrustProxyList(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTrustProxyList',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && trustProxyProblem(value) === undefined,
        defaultMessage: (args) => (typeof args?.value === 'string' && trustProxyProblem(args.value)) || `must be a list of ${HINT}`,
      },
    },
    options,
  );
}
