/**
 * The pages speak Chinese by default and English on request: `?lang=en|zh` wins, then the
 * browser's first Accept-Language (a buyer whose phone is set to English gets English).
 */
export type Lang = 'zh' | 'en';

export function pickLang(query?: string, acceptLanguage?: string): Lang {
  if (query === 'en' || query === 'zh') return query;
  return /^\s*en\b/i.test(acceptLanguage ?? '') ? 'en' : 'zh';
}

/** `href` with `lang=` set, keeping the rest of its query. */
export function withLang(href: string, lang: Lang): string {
  const [path, query = ''] = href.split('?', 2) as [string, string?];
  const q = new URLSearchParams(query);
  q.set('lang', lang);
  return `${path}?${q.toString()}`;
}
