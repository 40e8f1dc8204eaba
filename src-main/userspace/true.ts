// true(1): does nothing, successfully. Stands in for commands that send no packet (e.g. a
// `docker inspect` probe once a docker lab is expanded to kernel-level commands).

import { ok, type Tool } from './tool.ts';

export const trueTool: Tool = { name: 'true', run: () => ok() };
