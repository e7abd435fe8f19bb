/** `tessera/l2`: ethrex L2 batch cache files and an L2 rebuilt and proven from its genesis and blobs. */
export { reconstructL2, BlobOutOfSequence, BatchFailed, type BlobFile, type ReconstructOptions, type ReconstructResult, type ReconstructedBatch } from './reconstruct.js'
export { l2CacheFileToInput, l2InputToCacheFile, readL2BatchCacheJson, writeL2BatchCache, isL2BatchCache, l2BatchCacheFileName, L2CacheFormatError, type L2BatchCacheFile } from './cache.js'
