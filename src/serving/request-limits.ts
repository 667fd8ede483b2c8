/** Bounds every decoded request must respect; the HTTP layer also caps the body size in bytes. */
export interface RequestLimits {
  /** Texts per request. Default 1024. */
  readonly maxTexts: number;
  /** Characters per text. Default 10,000. */
  readonly maxTextChars: number;
  /** Largest top-k / classification k. Default 100. */
  readonly maxTop: number;
  /** Features per explained text. Default 10. */
  readonly explainFeatures: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = { maxTexts: 1024, maxTextChars: 10_000, maxTop: 100, explainFeatures: 10 };
