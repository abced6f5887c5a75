// How a screen asks the app shell to run an action that changes the app's state (sign-in,
// sign-out, locale, server address): the shell shows it busy, takes the new state, and hands back
// the error, if any, for the screen to show.
import type { ApiError, AppState } from "./ipc/types";

export type Run = (action: () => Promise<AppState>) => Promise<ApiError | null>;
