/** An eval worker thread of {@link startScorePool}'s pool: serves scoring tasks only. */
import { serveTasks } from '@cam-localize/core/workers';
import { createScoreTask, type ScoreInit, type ScoreRequest, type ScoreResponse } from './score-task.js';

serveTasks<ScoreInit, ScoreRequest, ScoreResponse>(createScoreTask);
