// argv[0] → program. Each tool lives in its own file; add one line here when adding a tool.

import type { Tool } from './tool.ts';

const tools = new Map<string, Tool>();

export function registerTool(t: Tool, ...aliases: string[]): void {
  tools.set(t.name, t);
  for (const a of aliases) tools.set(a, t);
}

export function findTool(name: string): Tool | undefined {
  return tools.get(name);
}

export function toolNames(): string[] {
  return [...tools.keys()].sort();
}
