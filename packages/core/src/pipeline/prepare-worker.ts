/** A decode worker of {@link ImagePreparer}'s pool: serves prepare tasks only. */
import {
  createPrepareTask,
  type PrepareInit,
  type PrepareRequest,
  type PrepareResponse,
} from './prepare-task.js';
import { serveTasks } from './task-worker.js';

serveTasks<PrepareInit, PrepareRequest, PrepareResponse>(createPrepareTask);
