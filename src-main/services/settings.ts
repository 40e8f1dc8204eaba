// Settings and the recent-sessions list: one small JSON file in the user's data folder, written
// atomically (temp + rename) and validated on read — a damaged file falls back to the defaults.

import fs from 'node:fs';
import path from 'node:path';
import { arr, obj } from '../../src-shared/schema.ts';
import { RecentEntryV, SettingsV, type RecentEntry, type Settings } from '../../src-shared/api.ts';

const FileV = obj({ settings: SettingsV, recent: arr(RecentEntryV, 100) });
type SettingsFile = { settings: Settings; recent: RecentEntry[] };
export const MAX_RECENT = 12;

export class SettingsStore {
  private data: SettingsFile;

  constructor(private readonly file: string) {
    this.data = { settings: { locale: null, theme: 'system' }, recent: [] };
    try {
      this.data = FileV(JSON.parse(fs.readFileSync(file, 'utf8'))) as SettingsFile;
    } catch {
      /* missing or damaged: defaults */
    }
  }

  get settings(): Settings {
    return this.data.settings;
  }

  get recent(): RecentEntry[] {
    return this.data.recent;
  }

  update(patch: Partial<Settings>): Settings {
    this.data = { ...this.data, settings: { ...this.data.settings, ...patch } };
    this.write();
    return this.data.settings;
  }

  addRecent(e: RecentEntry): void {
    this.data = { ...this.data, recent: [e, ...this.data.recent.filter((r) => r.path !== e.path)].slice(0, MAX_RECENT) };
    this.write();
  }

  removeRecent(p: string): void {
    this.data = { ...this.data, recent: this.data.recent.filter((r) => r.path !== p) };
    this.write();
  }

  private write(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data, null, 2));
    fs.renameSync(tmp, this.file);
  }
}
