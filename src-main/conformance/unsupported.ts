// The one error of the command rewriting (commands.ts, vm-commands.ts): a lab command the
// conformance runner does not run on the real kernel, with the reason. A lab with one is reported
// as model-only, not as a disagreement.

export class UnsupportedCommand extends Error {
  constructor(readonly command: string, reason: string) {
    super(`${reason}: ${command}`);
    this.name = 'UnsupportedCommand';
  }
}
