// Entry of the model's worker thread (see lab-worker-core.ts): serves the real LabSession.
import { LabSession } from '../lab/session.ts';
import { serveLabWorker } from './lab-worker-core.ts';

serveLabWorker(LabSession);
