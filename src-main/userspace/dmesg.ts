// dmesg (util-linux): the machine's kernel ring buffer — here the lines the LOG target printed.
// `-c` prints then clears, `-C` clears.

import { fail, ok, type Tool } from './tool.ts';

export const dmesgTool: Tool = {
  name: 'dmesg',
  run(argv, ctx) {
    const klog = ctx.machine.klog;
    let clear = false;
    let print = true;
    for (const a of argv.slice(1)) {
      if (a === '-c' || a === '--read-clear') clear = true;
      else if (a === '-C' || a === '--clear') {
        clear = true;
        print = false;
      } else return fail(`dmesg: invalid option -- '${a.replace(/^-+/, '')}'\n`, 1);
    }
    const out = print ? klog.map((l) => `${l}\n`).join('') : '';
    if (clear) klog.length = 0;
    return ok(out);
  },
};
