// Locale handling around paraglide: the OS language by default (navigator.languages follows it in
// Electron and in browsers), a saved choice when there is one, switched at runtime without reload.

import { getLocale, setLocale, locales } from '../paraglide/runtime.js';
import type { ApiErrorData } from '../../src-shared/api.ts';
import { m } from '../paraglide/messages.js';

export type Locale = (typeof locales)[number];

export function osLocale(languages: readonly string[] = navigator.languages): Locale {
  for (const l of languages) {
    if (/^zh\b/i.test(l)) return 'zh-CN';
    if (/^en\b/i.test(l)) return 'en';
  }
  return 'en';
}

export function applyLocale(l: Locale): void {
  setLocale(l, { reload: false });
  document.documentElement.lang = l;
}

export function currentLocale(): Locale {
  return getLocale();
}

/** A bilingual text of a lab in the current locale. */
export function pick(t: { en: string; zh: string }, l: Locale): string {
  return l === 'zh-CN' ? t.zh || t.en : t.en;
}

/** An API error as a sentence for the user. */
export function errorText(e: ApiErrorData): string {
  const detail = e.message;
  switch (e.code) {
    case 'bad-request': return m.err_bad_request({ detail });
    case 'no-session': return m.err_no_session();
    case 'lab-syntax': return m.err_lab_syntax({ line: e.where?.line ?? 0, col: e.where?.col ?? 0, detail });
    case 'file-foreign': return m.err_file_foreign();
    case 'file-corrupt': return m.err_file_corrupt();
    case 'file-newer': return m.err_file_newer();
    case 'file-io': return m.err_file_io({ detail });
    case 'cancelled': return m.err_cancelled();
    case 'unknown-lab': return m.err_unknown_lab();
    case 'model': return m.err_model({ detail });
    case 'forbidden': return m.err_forbidden();
    case 'internal': return m.err_internal({ detail });
  }
}
