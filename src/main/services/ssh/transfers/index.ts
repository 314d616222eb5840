/**
 * SFTP transfers for the worker connection: resumable, SHA-256-verified file and folder copies
 * and the queue the Files view drives.
 */
export { RECOMMENDED_ALGORITHMS } from './algorithms.ts';
export { numberedName, type Conflict } from './conflict.ts';
export { DEFAULT_REQUESTS, PART_SUFFIX, downloadFile, uploadFile, type FileTransferOptions, type FileTransferResult } from './file-transfer.ts';
export { TransferQueue, type QueueRequest, type QueueSnapshot, type TransferQueueOptions } from './queue.ts';
export { runTransfer, type Direction, type RunHooks, type RunResult, type TransferRequest, type Unsupported } from './run-item.ts';
export { SftpSession } from './sftp.ts';
