// Entry of the model's worker thread (see lab-worker-core.ts): serves the real LabSession, and
// answers the docker panel from the session's World.
import { LabSession } from '../lab/session.ts';
import { expandDockerLab } from '../userspace/docker.ts';
import { dockerPanel } from '../userspace/docker/panel.ts';
import { serveLabWorker } from './lab-worker-core.ts';

serveLabWorker(LabSession, {
  panel: (s) => dockerPanel(s.world),
  expand: (source) => expandDockerLab(source),
});
