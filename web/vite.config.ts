import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard is built by `npm ci` (package.json prepare) into dist-web/, which `lading serve` and
// `lading ui` serve at /ui/. Preact's JSX runtime comes from web/tsconfig.json (jsxImportSource), so
// no framework plugin (and no Babel) is needed.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  logLevel: 'warn',
  build: { outDir: fileURLToPath(new URL('../dist-web', import.meta.url)), emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
});
