import { fileWriteError, openAtomicFileSync, writeAllSync } from '@cam-localize/core/workers';
import { csvRow } from '../pipeline/csv.js';
import { FAITHFULNESS_COLUMNS, faithfulnessCells } from '../pipeline/faithfulness-columns.js';
import type { RunRecord } from '../pipeline/records.js';

const HEADER =
  'id,status,gt_class,gt_name,pred_class,pred_name,pred_score,pred_score_kind,iou_gt_cam,iou_pred_cam,gt_known_loc,top1_loc,top5_loc,top1_cls,top5_cls,box_x0,box_y0,box_x1,box_y1,error\n';

/**
 * results.csv, one row per image as the records stream by (injection-safe cells); `pred_score_kind`
 * says what `pred_score` is (logit or probability; empty for runs written before it). Runs that
 * computed faithfulness metrics get their columns after `error`. The rows go to a temporary file
 * that `close` renames into place: a pass that fails half-way (`abort`) leaves the previous
 * results.csv as it was.
 */
export function openResultsCsv(
  path: string,
  options: { faithfulness?: boolean } = {},
): { write(record: RunRecord): void; close(): Promise<void>; abort(): Promise<void> } {
  const file = openAtomicFileSync(path);
  // Rows are gathered and written in large pieces, synchronously (the file is ours alone).
  let pending = '';
  const flush = () => {
    try {
      writeAllSync(file.fd, Buffer.from(pending));
    } catch (error) {
      file.abort();
      throw fileWriteError(error, path);
    }
    pending = '';
  };
  const csv = {
    write(text: string) {
      pending += text;
      if (pending.length >= 1 << 16) flush();
    },
  };
  const extra = (record: RunRecord) => (options.faithfulness ? faithfulnessCells(record) : []);
  csv.write(options.faithfulness ? `${HEADER.trimEnd()},${FAITHFULNESS_COLUMNS.join(',')}\n` : HEADER);
  return {
    write(record) {
      if (record.status !== 'ok') {
        csv.write(csvRow([record.id, 'error', ...Array(17).fill(''), record.error ?? '', ...extra(record)]));
        return;
      }
      const box = (record.predicted?.boxes ?? [])[0];
      const loc = record.loc;
      csv.write(
        csvRow([
          record.id,
          'ok',
          record.gtClass ?? '',
          record.gtName ?? '',
          record.predicted?.class ?? '',
          record.predicted?.name ?? '',
          record.top?.[0]?.score ?? '',
          record.scoreKind ?? '',
          record.groundTruth?.iou ?? '',
          record.predicted?.iou ?? '',
          loc ? Number(loc.gtKnownLoc) : '',
          loc ? Number(loc.top1Loc) : '',
          loc ? Number(loc.topKLoc) : '',
          loc ? Number(loc.top1Cls) : '',
          loc ? Number(loc.topKCls) : '',
          ...(box ?? ['', '', '', '']),
          '',
          ...extra(record),
        ]),
      );
    },
    close: async () => {
      flush();
      file.commit();
    },
    abort: async () => file.abort(),
  };
}
