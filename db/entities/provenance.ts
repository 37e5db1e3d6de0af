/** Which source gave a canonical field its current value, and when that source changed it. */
export interface FieldProvenance {
  connectionId: string;
  sourceRecordId: number;
  sourceUpdatedAt: string | null;
}
export type Provenance = Record<string, FieldProvenance>;
