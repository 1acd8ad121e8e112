/**
 * Shrinking a [rows][cols] matrix for thumbnails, DOM-free: the pooling lives in the core beside the attention
 * readers; re-exported here for the panel's data and its tests.
 */
export { binRange, maskedBlocks, maxPool, pooledSize } from '../core/trace/attentionGrid';
