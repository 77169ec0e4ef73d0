/** Parses a JSON column, tolerating an empty value. */
export function jsonColumn<T>(text: string | null | undefined, fallback: T): T {
  if (!text || text === '[]') return fallback;
  return JSON.parse(text) as T;
}
