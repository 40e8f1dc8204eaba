// Lint = the project's layer boundaries (ARCHITECTURE.md, ../shared/style.md practice 2) plus
// typescript-eslint's recommended rules. The `kpath/layers` rule resolves every import and refuses
// the ones that cross a boundary the wrong way.
import path from 'node:path';
import tseslint from 'typescript-eslint';

const root = path.dirname(new URL(import.meta.url).pathname);

/** Which layer a file belongs to, from its path relative to the repo root. */
function layerOf(file) {
  const rel = path.relative(root, file).split(path.sep).join('/');
  if (rel.startsWith('src-shared/')) return 'shared';
  if (rel.startsWith('src-main/kernel/')) return 'kernel';
  if (rel.startsWith('src-main/userspace/')) return 'userspace';
  if (rel.startsWith('src-main/lab/')) return 'lab';
  if (rel.startsWith('src-main/electron/')) return 'electron';
  if (rel.startsWith('src-main/')) return 'main';
  if (rel.startsWith('src-renderer/')) return 'renderer';
  return 'other';
}

// layer -> layers it may import from (besides itself and npm packages allowed below).
const allowed = {
  shared: [],
  kernel: ['shared'],
  userspace: ['shared', 'kernel'],
  lab: ['shared', 'kernel', 'userspace'],
  main: ['shared', 'kernel', 'userspace', 'lab', 'main'],
  electron: ['shared', 'kernel', 'userspace', 'lab', 'main'],
  renderer: ['shared'],
  other: ['shared', 'kernel', 'userspace', 'lab', 'main', 'electron', 'renderer', 'other'],
};
// The pure layers: no Node built-ins, no packages with side effects on the host.
const pure = new Set(['shared', 'kernel', 'userspace', 'lab']);

const layersRule = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const file = context.filename;
    const from = layerOf(file);
    function check(node, spec) {
      if (typeof spec !== 'string') return;
      if (spec === 'electron' && from !== 'electron') {
        context.report({ node, message: 'only src-main/electron/ may import electron (it throws in plain Node)' });
        return;
      }
      if (spec.startsWith('.')) {
        const target = layerOf(path.resolve(path.dirname(file), spec));
        if (target !== from && !allowed[from].includes(target)) {
          context.report({ node, message: `layer '${from}' may not import from layer '${target}'` });
        }
        return;
      }
      if (pure.has(from)) {
        context.report({ node, message: `layer '${from}' is pure: no packages or node built-ins ('${spec}')` });
      } else if (from === 'renderer' && (spec.startsWith('node:') || spec === 'better-sqlite3' || spec === 'ws')) {
        context.report({ node, message: `the renderer runs in a browser: '${spec}' is not available` });
      }
    }
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
    };
  },
};

const impure = [
  { name: 'Date', message: 'the model reads time only from its injected clock (sched.now)' },
  { name: 'setTimeout', message: 'the model schedules work on its own queue (sched.at)' },
  { name: 'setInterval', message: 'the model schedules work on its own queue (sched.at)' },
  { name: 'setImmediate', message: 'the model schedules work on its own queue (sched.at)' },
  { name: 'console', message: 'the model reports through its event log, not the console' },
  { name: 'process', message: 'the model is pure: no process access' },
  { name: 'performance', message: 'the model reads time only from its injected clock' },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', '.tools/', 'src-renderer/paraglide/', 'test-results/'] },
  ...tseslint.configs.recommended,
  {
    plugins: { kpath: { rules: { layers: layersRule } } },
    rules: {
      'kpath/layers': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src-shared/**', 'src-main/kernel/**', 'src-main/userspace/**', 'src-main/lab/**'],
    rules: {
      'no-restricted-globals': ['error', ...impure],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'draw from the seeded PRNG (rand.ts)' }],
    },
  },
);
