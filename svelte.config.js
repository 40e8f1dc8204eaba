// Svelte 5 in runes mode everywhere; used by vite-plugin-svelte and svelte-check.
export default {
  compilerOptions: { runes: true },
};
