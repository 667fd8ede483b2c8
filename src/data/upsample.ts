// Resampling is part of data's API; the algorithm is in core so that models/ can use it as well.
export { UPSAMPLE_DEFAULTS, upsampleStratified, type UpsampleOptions } from '../core/upsample.js';
