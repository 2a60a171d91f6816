// Size benchmark part: what the widget takes from the SDK.
import { createCountsBatcher, createFlattr, FlattrError } from '@flattr/sdk/lite';

Object.assign(globalThis, { sdkParts: [createCountsBatcher, createFlattr, FlattrError] });
