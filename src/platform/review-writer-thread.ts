/**
 * Entry of the review queue's writer thread (see review/review-writer-thread.ts). It lives in
 * platform/ because it opens a queue adapter: its own connection to the queue named by workerData.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveReviewWriter } from '../review/review-writer-thread.js';
import { lowerThisThreadPriority } from './background-thread.js';
import { openReviewQueue, type ReviewQueueSpec } from './review-queue.js';

if (parentPort === null) throw new Error('review-writer-thread.js runs as a worker thread');
// Background work of a serving process: it gets the CPU serving leaves idle (see background-thread.ts).
lowerThisThreadPriority();
await serveReviewWriter(parentPort, () => openReviewQueue(workerData as ReviewQueueSpec));
