// Builds the three parts of the desktop app into out/:
//   out/main/      Electron main (index.js), the web host (web.js) and the model's worker (lab-worker.js)
//   out/preload/   the preload, as CommonJS (index.cjs): sandboxed preloads cannot be ES modules
//   out/renderer/  the Svelte UI, with paraglide compiling the message files at build time
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { paraglideVitePlugin } from '@inlang/paraglide-js';

const r = (p: string) => resolve(import.meta.dirname, p);

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: r('src-main/electron/main.ts'),
          web: r('src-main/web/main.ts'),
          'lab-worker': r('src-main/services/lab-worker.ts'),
        },
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: r('src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: r('src-renderer'),
    base: './',
    plugins: [
      paraglideVitePlugin({
        project: r('src-renderer/project.inlang'),
        outdir: r('src-renderer/paraglide'),
        strategy: ['globalVariable', 'baseLocale'],
      }),
      svelte({ configFile: r('svelte.config.js') }),
    ],
    build: {
      outDir: r('out/renderer'),
      emptyOutDir: true,
      rollupOptions: { input: r('src-renderer/index.html') },
    },
  },
});
