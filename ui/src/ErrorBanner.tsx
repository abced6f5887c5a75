import type { ApiError } from "./ipc/types";
import { useI18n } from "./i18n";

/** A coded error, translated; the server's own message is kept as a tooltip for support. */
export function ErrorBanner({ error }: { error: ApiError | null }) {
  const { err } = useI18n();
  if (!error) return null;
  return (
    <p className="banner error" role="alert" data-testid="error" data-code={error.code} title={error.message}>
      {err(error)}
    </p>
  );
}

export function asApiError(e: unknown): ApiError {
  if (e && typeof e === "object" && "code" in e) return e as ApiError;
  return { code: "internal", message: String(e) };
}
