import { defineConfig } from 'vite';

// Preact through esbuild's automatic JSX runtime; no framework plugin needed.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
