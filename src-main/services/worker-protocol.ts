// Messages between the services and the model's worker thread (lab-worker.ts).
import type { CommandResult, ProbeResult, TablesSnapshot } from '../lab/types.ts';
import type { Expectation } from '../../src-shared/api.ts';
import type { KernelEvent } from '../../src-shared/events.ts';
import type { PanelMachine } from '../userspace/docker/panel.ts';
import type { CompareTable, LabText } from '../lab/compare/table.ts';

export type WorkerRequest =
  | { id: number; type: 'init'; source: string; seed: number; file: string }
  | { id: number; type: 'setup' }
  | { id: number; type: 'probe'; index: number }
  | { id: number; type: 'exec'; target: string; command: string }
  | { id: number; type: 'snapshot' }
  | { id: number; type: 'docker' }
  | { id: number; type: 'expects' }
  | { id: number; type: 'expand'; source: string }
  /** A comparison set's text and its labs' texts (the services read the files); runs every cell. */
  | { id: number; type: 'compare'; file: string; text: string; labs: Record<string, LabText>; seed: number };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type WorkerRequestBody = DistributiveOmit<WorkerRequest, 'id'>;

export type WorkerReply =
  | { id: number; ok: true; type: 'init'; seed: number }
  | { id: number; ok: true; type: 'results'; results: CommandResult[]; events: KernelEvent[] }
  | { id: number; ok: true; type: 'probe'; result: ProbeResult; events: KernelEvent[] }
  | { id: number; ok: true; type: 'snapshot'; snapshot: TablesSnapshot }
  | { id: number; ok: true; type: 'docker'; machines: PanelMachine[] }
  | { id: number; ok: true; type: 'expects'; expectations: Expectation[] }
  | { id: number; ok: true; type: 'expand'; text: string }
  | { id: number; ok: true; type: 'compare'; table: CompareTable }
  | { id: number; ok: false; name: string; message: string; where: { file: string; line: number; col: number } | undefined };

/** Sent before each cell of a `compare` request runs; not a reply (the request is still pending). */
export interface WorkerProgress {
  readonly id: number;
  readonly type: 'progress';
  readonly done: number;
  readonly total: number;
}
