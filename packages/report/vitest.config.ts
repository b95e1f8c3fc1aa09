// SPDX-License-Identifier: MIT
import { packageTests } from '../../vitest.shared.ts';

export default packageTests();
