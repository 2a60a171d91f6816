// Size benchmark part: what the widget's first file takes from the SDK (its lean internal entry).
import { confirmUrl, countsBatcherWith, httpError, openConfirmWindow } from '@flattr/sdk/lite-core';

Object.assign(globalThis, { sdkParts: [confirmUrl, countsBatcherWith, httpError, openConfirmWindow] });
