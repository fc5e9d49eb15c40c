/**
 * Error classes set their own codes (issue 30, item 6): a class of one kind takes the message
 * alone; a class of several kinds takes its code, typed to its kinds; every class crosses a
 * thread boundary with its class and its code.
 */
import { describe, expect, it } from 'vitest';
import {
  CamError,
  DataError,
  DeviceError,
  GradientError,
  HeadNotFoundError,
  ModelError,
  UsageError,
} from '../src/errors.js';
import { reviveError, serializeError } from '../src/threads.js';

describe('typed errors', () => {
  it('one-kind classes set their code; GradientError is a UsageError with its own', () => {
    expect(new UsageError('bad flag').code).toBe('E_USAGE');
    expect(new CamError('no map').code).toBe('E_CAM');
    expect(new DeviceError('no GPU').code).toBe('E_DEVICE');
    expect(new HeadNotFoundError('no head').code).toBe('E_HEAD_NOT_FOUND');
    const gradient = new GradientError('no rule', { file: 'm.onnx', hint: 'another layer' });
    expect(gradient).toBeInstanceOf(UsageError);
    expect([gradient.name, gradient.code, gradient.toOneLine()]).toEqual([
      'GradientError',
      'E_GRADIENT',
      'm.onnx: no rule (another layer)',
    ]);
  });

  it('several-kind classes keep the code they are given', () => {
    expect(new ModelError('E_SESSION', 'crashed').code).toBe('E_SESSION');
    expect(new DataError('E_NPY', 'bad header').code).toBe('E_NPY');
  });

  it('revives every class with its name and code after a thread boundary', () => {
    for (const original of [
      new UsageError('u', { hint: 'h' }),
      new GradientError('g', { file: 'm.onnx' }),
      new ModelError('E_MODEL_READ', 'm', { file: 'x.onnx', line: 3 }),
      new DataError('E_LABELS', 'd'),
    ]) {
      const copy = reviveError(structuredClone(serializeError(original)));
      expect(copy).toBeInstanceOf(original.constructor);
      const typed = copy as UsageError;
      expect([typed.name, typed.code, typed.message, typed.hint, typed.file, typed.line]).toEqual([
        original.name,
        original.code,
        original.message,
        original.hint,
        original.file,
        original.line,
      ]);
    }
  });
});
