// Size benchmark part: what the widget takes from the SDK (its lean internal entry).
import { createCountsBatcher, createFlattr } from '@flattr/sdk/lite-core';

Object.assign(globalThis, { sdkParts: [createCountsBatcher, createFlattr] });
