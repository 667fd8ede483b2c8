import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { Hono } from 'hono';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.map': 'application/json',
};

interface WebFile { readonly body: Uint8Array; readonly type: string }

/**
 * The dashboard's built files (Vite's output), served at /ui from memory: the whole build is a few
 * hundred KB, read once on the first request, so no request path ever reaches the file system (no
 * traversal to guard). Files under assets/ have content hashes in their names and are cached for
 * good; index.html is revalidated so a new build shows at the next load.
 */
export function uiStaticRoutes(webDir: string): Hono {
  const app = new Hono();
  let files: Map<string, WebFile> | undefined;
  const load = () => (files ??= readBuild(webDir));
  app.get('/ui', (c) => c.redirect('/ui/', 301));
  app.get('/ui/*', (c) => {
    const build = load();
    if (build.size === 0) {
      return c.text(`the dashboard is not built: ${webDir} has no index.html. Run \`npm run build:web\` (npm ci does it).`, 503);
    }
    const name = c.req.path.slice('/ui/'.length) || 'index.html';
    const file = build.get(name);
    if (!file) return c.json({ error: `no dashboard file ${name}` }, 404);
    c.header('Content-Type', file.type);
    c.header('Cache-Control', name.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    return c.body(file.body as Uint8Array<ArrayBuffer>);
  });
  return app;
}

function readBuild(dir: string): Map<string, WebFile> {
  const out = new Map<string, WebFile>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p).split(sep).join('/'), { body: readFileSync(p), type: TYPES[extname(name)] ?? 'application/octet-stream' });
    }
  };
  try {
    walk(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return out.has('index.html') ? out : new Map();
}
