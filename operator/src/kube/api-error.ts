/** A non-2xx answer of the API server, with its HTTP code and the Status reason and message. */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof KubeApiError && err.code === 404;
export const isConflict = (err: unknown): boolean => err instanceof KubeApiError && err.code === 409;

/** Builds the error from a response body, which is a metav1.Status when the server produced it. */
export function apiError(code: number, body: string): KubeApiError {
  try {
    const s = JSON.parse(body) as { reason?: string; message?: string };
    return new KubeApiError(code, s.reason ?? 'Unknown', s.message ?? body);
  } catch {
    return new KubeApiError(code, 'Unknown', body.slice(0, 500));
  }
}
