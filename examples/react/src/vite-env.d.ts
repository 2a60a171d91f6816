/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_FLATTR_API?: string;
}
