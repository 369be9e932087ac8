import type { Express } from 'express';

interface RouteLayer {
  route?: { path?: unknown; methods?: Record<string, boolean | undefined> };
}

interface RouteEntry {
  /** The path's segments; null where the route takes a parameter (`:shop_id`). */
  segments: (string | null)[];
  methods: Set<string>;
}

function segmentsOf(path: string): string[] {
  return path.replace(/\/+$/, '').split('/');
}

function matches(entry: RouteEntry, segments: string[]): boolean {
  return (
    entry.segments.length === segments.length &&
    entry.segments.every((segment, index) => (segment === null ? segments[index] !== '' : segment === segments[index]))
  );
}

/**
 * The methods each path takes, from the routes Nest registered on Express (read once, on first use: Nest
 * registers them when the application starts). For a 405 with its Allow header: Express itself only knows
 * "no route", which would be a 404. Routes here are literal segments and `:name` parameters, matched as
 * Express matches them (case-sensitive, one trailing slash ignored).
 */
export function routeMethodsOf(express: Express): (path: string) => string[] {
  let table: RouteEntry[] | undefined;
  const build = (): RouteEntry[] => {
    const byPath = new Map<string, RouteEntry>();
    for (const layer of (express.router as unknown as { stack: RouteLayer[] }).stack) {
      const path = layer.route?.path;
      if (typeof path !== 'string') continue;
      const entry = byPath.get(path) ?? { segments: segmentsOf(path).map((s) => (s.startsWith(':') ? null : s)), methods: new Set() };
      for (const [method, on] of Object.entries(layer.route?.methods ?? {}))
        if (on && method !== '_all') entry.methods.add(method.toUpperCase());
      if (entry.methods.has('GET')) entry.methods.add('HEAD');
      byPath.set(path, entry);
    }
    return [...byPath.values()];
  };
  return (path) => {
    table ??= build();
    const segments = segmentsOf(path);
    const methods = new Set(table.filter((entry) => matches(entry, segments)).flatMap((entry) => [...entry.methods]));
    return [...methods].sort();
  };
}
