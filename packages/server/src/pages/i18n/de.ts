import { en, type Messages } from './en.js';

// TODO(translate): filled in with the translations before this branch is merged.
export const de: Messages = { ...en };
