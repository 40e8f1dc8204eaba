// Shared by the docker tests: run a lab, its --format path, and the same lab expanded to kernel commands.

import { runLab } from '../../src-main/lab/session.ts';
import { formatPath } from '../../src-main/cli/format-path.ts';
import { expandDockerLab } from '../../src-main/userspace/docker.ts';

/** `--format path` without the probe header lines, which name the probe's own command text. */
export function pathOf(lab: string): string {
  return formatPath(runLab(lab)).split('\n').filter((l) => !l.startsWith('# probe ')).join('\n');
}

export function expandedPathOf(lab: string): string {
  return pathOf(expandDockerLab(lab));
}
